"""The model choice's store and link in Node (issue 36): tests/modelselect_in_node.mjs."""
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_store_and_link_in_node():
    """chooseModel / modelLanded / modelFailed (state/modelstate.js), labels under the shown model, and model= in the
    link written and read back (urlstate.js), an unknown id giving the default with a notice that does not repeat it."""
    done = subprocess.run(["node", "--test", str(ROOT / "tests" / "modelselect_in_node.mjs")], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
