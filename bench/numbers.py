"""Item 11, the deep dive "What the numbers mean": the bytes its figures fetch when they come near (the captions,
the largest scores file of any photo and template, the centring's means) and the time its rules take for the
six-photo batch in Chromium, at full speed and at 4x CPU throttling (issue 34: 16 ms and 50 ms)."""
import statistics

from . import ownscore
from .common import KB, Budget, gz

TIMED = """async ([runs]) => {
    const objective = await import('./assets/rules/objective.js');
    const scores = await import('./assets/rules/scores.js');
    const record = await (await fetch('data/scores/photo/cat.json')).json();
    const unit = (seed) => Float32Array.from({ length: 512 }, (_, i) => Math.sin(seed * 7919 + i));
    const images = [1, 2, 3, 4, 5, 6].map(unit);
    const captions = [7, 8, 9, 10, 11, 12].map(unit);
    const titles = ['a', 'b', 'c', 'd', 'e', 'f'];
    const labels = titles.map((t) => `label ${t}`);
    const times = [];
    for (let run = 0; run < runs; run++) {
        const start = performance.now();
        objective.objectiveView(images, captions, 0.01, titles, titles);
        scores.scoreView(record, labels, labels.map((_, i) => i / 100));
        times.push(performance.now() - start);
    }
    return times;
}"""


def rows(table, browser, url, site, runs):
    data = site / "data"
    captions = gz((data / "objective.json").read_bytes())
    largest = max(gz(path.read_bytes()) for path in (data / "scores").glob("*/*.json"))
    means = gz((data / "centre.json").read_bytes())
    table.add("12. deep dive: captions (objective.json), gzip", f"{captions / KB:.1f} KB", None, None,
              "six alt texts and their vectors, fetched near the objective figure")
    table.add("12. deep dive: largest scores file, gzip", f"{largest / KB:.1f} KB", Budget("<=", 20, " KB"),
              largest / KB, "one photo and template against the whole vocabulary")
    table.add("12. deep dive: centring's means (centre.json), gzip", f"{means / KB:.1f} KB", None, None,
              "fetched the first time the switch is on")
    for rate, budget in ((1, 16), (4, 50)):
        ms = timed(browser, url, max(runs, 15), rate)
        table.add(f"12. deep dive: objective + scores recompute, {rate}x CPU", f"{ms:.2f} ms",
                  Budget("<=", budget, " ms"), ms, "six-photo batch and 8 labels' percentiles", timing=True)
    ownscore.rows(table, browser, url, site, min(runs, 5))  # item 14, the own photo's score (ownscore.py)


def timed(browser, url, runs, rate):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=20000)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
    times = page.evaluate(TIMED, [runs])
    page.close()
    return statistics.median(times[2:])  # the first runs compile the code
