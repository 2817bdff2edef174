"""Python modules stay small enough to read in one sitting, as the client's do (tests/test_client_modules.py caps
those at 250 lines): at most 400 lines each, the build's, the bench's, the tools' and the tests' alike."""
from conftest import ROOT

MAX_LINES = 400
FOLDERS = ["explainer", "bench", "tools", "tests"]


def python_modules():
    return [ROOT / "build.py", *(p for folder in FOLDERS for p in sorted((ROOT / folder).rglob("*.py")))]


def test_no_python_module_is_over_400_lines():
    modules = python_modules()
    assert len(modules) >= 60 and ROOT / "explainer" / "pipeline.py" in modules
    long = {str(p.relative_to(ROOT)): n for p in modules if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, long
