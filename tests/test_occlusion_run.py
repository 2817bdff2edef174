"""live/occlusionrun.js in Node, with workers that stand in for LiveClient: the occlusion map's batches shared by
two workers fill every cell once, in its own place; the photo goes once to each worker; a helper that fails hands
its batch back; a helper that never started leaves the run to live mode's worker; a failure of that worker, or a
newer photo, ends the run."""
import json
import subprocess

import pytest

DIM = 3

# a fake worker: the vector of cell k is [k, k + 0.5, -k]; `fail` makes the n-th batch it is given fail
FAKE = """
const { embedOccludedCopies } = await import(%(module)s);
const DIM = %(dim)d;
function fake(name, { fail = null, delay = 0 } = {}) {
  const log = [];
  return { log, embedOccluded: async ({ key, first, count, image }) => {
    log.push({ key, first, count, image });
    await new Promise((r) => setTimeout(r, delay));
    if (fail !== null && log.length === fail) throw Object.assign(new Error(name + ' failed'), { kind: 'memory' });
    const vectors = new Float32Array(count * DIM);
    for (let i = 0; i < count; i++) vectors.set([first + i, first + i + 0.5, -(first + i)], i * DIM);
    return { vectors, first, count, cells: 49, square: image ? 'square of ' + image : undefined };
  } };
}
const out = {};
async function run(name, workers, options = {}) {
  const progress = [];
  try {
    const result = await embedOccludedCopies(workers, 'photo', { cells: 49, batch: 7,
      onProgress: ({ done, total }) => progress.push([done, total]), ...options });
    out[name] = { vectors: Array.from(result.vectors), square: result.square, progress };
  } catch (error) {
    out[name] = { error: error.message, kind: error.kind, progress };
  }
}
"""

SCENARIOS = """
let a = fake('main', { delay: 2 }), b = fake('helper', { delay: 3 });
await run('two', [a, Promise.resolve(b)]);
out.two.logs = [a.log, b.log];
a = fake('main'); b = fake('helper', { fail: 2, delay: 1 });
await run('helper fails', [a, b]);
out['helper fails'].logs = [a.log, b.log];
a = fake('main');
await run('no helper', [a, Promise.resolve(null)]);
out['no helper'].logs = [a.log];
a = fake('main', { fail: 3 }); b = fake('helper', { delay: 1 });
await run('main fails', [a, b]);
a = fake('main', { delay: 1 });
let batches = 0;
await run('newer photo', [a], { current: () => ++batches < 3 });
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def runs(site):
    module = json.dumps((site[0] / "assets" / "live" / "occlusionrun.js").as_uri())
    script = FAKE % {"module": module, "dim": DIM} + SCENARIOS
    result = subprocess.run(["node", "--input-type=module"], input=script, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def every_cell(vectors):
    """Each cell's vector in its own place: cell k is [k, k + 0.5, -k]."""
    return vectors == [v for k in range(49) for v in (k, k + 0.5, -k)]


def test_two_workers_fill_every_cell_once_and_the_photo_goes_once_to_each(runs):
    run = runs["two"]
    assert every_cell(run["vectors"])
    main, helper = run["logs"]
    assert main and helper, "both workers took batches"
    cells = sorted(c for log in (main, helper) for b in log for c in range(b["first"], b["first"] + b["count"]))
    assert cells == list(range(49))
    for log in (main, helper):  # the photo with a worker's first batch only, every batch under the run's key
        assert [b["image"] for b in log] == ["photo"] + [None] * (len(log) - 1)
        assert len({b["key"] for b in log}) == 1
    assert main[0]["key"] == helper[0]["key"]
    assert run["square"] == "square of photo"
    assert [d for d, _ in run["progress"]] == sorted(d for d, _ in run["progress"])
    assert run["progress"][-1] == [49, 49] and len(run["progress"]) == 7


def test_a_helper_that_fails_hands_its_batch_back(runs):
    run = runs["helper fails"]
    assert "error" not in run and every_cell(run["vectors"])
    main, helper = run["logs"]
    assert len(helper) == 2  # its second batch failed, and it took no more
    failed = helper[1]
    assert any(b["first"] == failed["first"] for b in main), "live mode's worker embedded the failed batch"


def test_without_a_helper_live_modes_worker_does_it_all(runs):
    run = runs["no helper"]
    assert every_cell(run["vectors"]) and len(run["logs"][0]) == 7


def test_a_failure_of_live_modes_worker_or_a_newer_photo_ends_the_run(runs):
    assert runs["main fails"]["error"] == "main failed" and runs["main fails"]["kind"] == "memory"
    newer = runs["newer photo"]
    assert newer["kind"] == "cancelled" and len(newer["progress"]) == 2
