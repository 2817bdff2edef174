"""ui/datafiles.js in Node, with fetch and the clock replaced: one request per path however often the figures ask,
the parsed value once it lands, every caller's redraw run when a file settles, and a failed file asked for again
only RETRY_MS after its failure (so the redraw that shows a failure cannot loop)."""
import json
import subprocess
from pathlib import Path

import pytest

MODULE = Path(__file__).resolve().parent.parent / "templates" / "assets" / "ui" / "datafiles.js"

SCRIPT = """
const { dataFiles, loaded, RETRY_MS } = await import(%(module)s);
let clock = 0;
Object.defineProperty(globalThis, 'performance', { value: { now: () => clock }, configurable: true });
const asked = [];
let failing = new Set();
globalThis.fetch = async (path) => {
  asked.push(path);
  if (failing.has(path)) return { ok: false, status: 404, json: async () => ({}) };
  return { ok: true, status: 200, json: async () => ({ path, n: 2 }) };
};
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));
const out = { retry: RETRY_MS };
const file = dataFiles();
const parse = (data) => ({ ...data, double: data.n * 2 });
const drawn = [];
const a = () => drawn.push('a');
const b = () => drawn.push('b');

out.first = file('x.json', parse, a).state;
out.second = file('x.json', parse, b).state;
out.before = loaded(file.peek('x.json'));
out.unasked = file.peek('y.json');
await settled();
out.landed = loaded(file('x.json', parse, a));
out.drawnOnLanding = [...drawn];
out.askedOnce = [...asked];

failing = new Set(['gone.json']);
drawn.length = 0;
let loops = 0;
const showFailure = () => { loops += 1; if (loops < 50) file('gone.json', parse, showFailure); };
file('gone.json', parse, showFailure);
await settled(); await settled();
out.failed = file.peek('gone.json').state;
out.error = String(file.peek('gone.json').error.message);
out.loops = loops;
out.askedWhileFailed = asked.filter((p) => p === 'gone.json').length;
clock = RETRY_MS - 1;
file('gone.json', parse, showFailure);
out.askedBeforeRetry = asked.filter((p) => p === 'gone.json').length;
failing = new Set();
clock = RETRY_MS + 1;
out.retried = file('gone.json', parse, showFailure).state;
await settled();
out.afterRetry = loaded(file.peek('gone.json'));
out.askedAfterRetry = asked.filter((p) => p === 'gone.json').length;
out.otherTable = loaded(dataFiles().peek('x.json'));
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def out():
    script = SCRIPT % {"module": json.dumps(MODULE.as_uri())}
    result = subprocess.run(["node", "--input-type=module"], input=script, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_a_file_is_fetched_once_and_every_caller_is_drawn_again(out):
    assert out["first"] == out["second"] == "pending"
    assert out["before"] is None and out["unasked"] is None  # peek starts nothing
    assert out["askedOnce"] == ["x.json"]
    assert out["landed"] == {"path": "x.json", "n": 2, "double": 4}  # parsed once, as the caller asked
    assert sorted(out["drawnOnLanding"]) == ["a", "b"]
    assert out["otherTable"] is None  # each figure's table is its own


def test_a_failed_file_is_asked_again_only_after_the_pause(out):
    assert out["failed"] == "failed" and "gone.json: HTTP 404" in out["error"]
    assert out["loops"] == 1, "the failure's redraw asked again and looped"
    assert out["askedWhileFailed"] == 1 and out["askedBeforeRetry"] == 1
    assert out["retried"] == "pending" and out["askedAfterRetry"] == 2
    assert out["afterRetry"] == {"path": "gone.json", "n": 2, "double": 4}
    assert out["retry"] == 5000
