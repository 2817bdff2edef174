"""Bench item 13, the typographic-attack lab (issue 35):

- its data per photo: the stamped vectors the page fetches for one photo (data/attack/<photo>.json, gzip), with the
  stamped images of one word (one JPEG per placement: the lab shows one at a time) and the stamp's spec and glyph
  atlas (data/attack/spec.json, fetched once, for the first typed word);
- a typed word's row in live mode, timed as a reader meets it (issue #37's budget for a photo's row, 2 s): in a
  fresh context live mode is turned on (bench/live_reader.py live_ready: the label editor's Live mode button, on
  the core article), then the deep-dive page with the lab is opened in the same tab; a first word starts the photo
  tower (reported apart), then each word is typed key by key and timed in the page from the Enter keydown's event
  time to the moment the lab shows that word's row (`[data-testid=attack-figure][data-source=live]
  [data-state=ready][data-word=...]`): stamped in the page, embedded by the photo tower, every label recomputed.
  The machine's load average is written beside the numbers: the page shares the machine's cores with the worker.

    python -m bench.attack SITE_DIR [RUNS] [RESULTS.md]  # alone, on a built site with live mode (prints the rows;
                                                         # with RESULTS.md, appends them there under the machine)
"""
import gzip
import os
import statistics
import sys
from pathlib import Path

from .common import KB, Budget
from .live_reader import KEY_DELAY_MS, live_ready, waited

PAGE = "fools.html"  # the lab's page
WORDS = ["toaster", "umbrella stand", "violin", "kayak"]  # none of the build's words: typed, stamped here
FIRST = "zebra"  # the word that starts the photo tower
DATA_BUDGET = Budget("<=", 40, " KB")  # tests/test_attack.py's bound on one photo's vectors (33 x 512 float16)
ROW_BUDGET = Budget("<=", 2000, " ms")  # issue #37: a photo's row within 2 s in live mode

# set up before Enter: the Enter keydown's time, and the moment the lab shows the word's row
WATCH_STAMP = r"""(word) => {
  window.__stamp = new Promise((resolve) => {
    let enter = null;
    const input = document.querySelector('[data-testid=attack-live-word]');
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter') enter = e.timeStamp; }, { once: true });
    const selector = `[data-testid=attack-figure][data-source=live][data-state=ready][data-word="${CSS.escape(word)}"]`;
    const observer = new MutationObserver(() => {
      if (enter === null || !document.querySelector(selector)) return;
      observer.disconnect();
      resolve(performance.now() - enter);
    });
    observer.observe(document.getElementById('attack'), { subtree: true, childList: true, attributes: true });
  });
}"""


def load():
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def data_rows(table, site, what="stand-in"):
    """The lab's bytes per photo: the largest photo's vectors file, gzip, with one word's images and the spec."""
    folder = Path(site) / "data" / "attack"
    files = sorted(p for p in folder.glob("*.json") if p.name != "spec.json")
    largest = max(files, key=lambda p: len(gzip.compress(p.read_bytes(), 9)))
    vectors = len(gzip.compress(largest.read_bytes(), 9))
    photo = largest.stem
    images = sorted((Path(site) / "attack").glob(f"{photo}-0-*.jpg"))  # the first word, every placement
    image_bytes = sum(len(gzip.compress(p.read_bytes(), 9)) for p in images)
    spec = len(gzip.compress((folder / "spec.json").read_bytes(), 9))
    table.add(f"13. attack lab: one photo's stamped vectors ({what}, largest)", f"{vectors / KB:.1f} KB", DATA_BUDGET,
              vectors / KB, note=f"gzip, data/attack/{photo}.json, {len(files)} photos; fetched when the lab comes "
              f"near; with one word's {len(images)} stamped images (one per placement, one shown at a time) "
              f"{(vectors + image_bytes) / KB:.1f} KB; data/attack/spec.json (the stamp's glyph atlas, fetched once "
              f"for a typed word) {spec / KB:.1f} KB")


def type_word(page, word):
    page.fill("[data-testid=attack-live-word]", "")
    page.click("[data-testid=attack-live-word]")
    page.keyboard.type(word, delay=KEY_DELAY_MS)
    page.evaluate(WATCH_STAMP, word)
    page.keyboard.press("Enter")
    return waited(page, "__stamp")


def typed_rows(browser, url):
    """One fresh context: (ms for the first word, with the photo tower's start; [ms for each next word])."""
    context, page = live_ready(browser, url)  # live mode on in this tab (the text tower ready)
    try:
        page.goto(f"{url}{PAGE}")
        page.wait_for_selector("body[data-ready=true]", timeout=30000)
        page.locator("#attack").scroll_into_view_if_needed(timeout=10000)
        page.wait_for_selector("[data-testid=attack-figure][data-state=ready]", timeout=30000)
        first = type_word(page, FIRST)
        return first, [type_word(page, word) for word in WORDS]
    finally:
        context.close()


def rows(table, browser, url, what, runs=2):
    before = load()
    results = [typed_rows(browser, url) for _ in range(runs)]
    after = load()
    times = [ms for _, warm in results for ms in warm]
    median = statistics.median(times)
    table.add(f"13. attack lab: typed word, Enter to its row, live mode ({what})", f"{median:.0f} ms", ROW_BUDGET,
              median, f"{runs} fresh contexts x {len(WORDS)} words typed one after another, the photo tower started: "
              f"median, max {max(times):.0f} ms; all: {', '.join(f'{t:.0f}' for t in times)}; load average "
              f"(1, 5, 15 min) {before} before, {after} after", timing=True)
    firsts = [first for first, _ in results]
    table.add(f"13. attack lab: first typed word, with the photo tower's start ({what})",
              f"{statistics.median(firsts):.0f} ms", None, statistics.median(firsts),
              f"live mode on in the tab (text tower), the photo tower started by the word, from Cache Storage; "
              f"median of {runs}: {', '.join(f'{t:.0f}' for t in firsts)}", timing=True)


if __name__ == "__main__":
    from explainer.harness import chromium, serve

    from .common import Table, machine
    site = Path(sys.argv[1])
    what = "full-size" if "full" in str(site) else "this site"
    table = Table()
    data_rows(table, site, what)
    with serve(site) as url, chromium() as browser:
        rows(table, browser, url, what, int(sys.argv[2]) if len(sys.argv) > 2 else 2)
    if len(sys.argv) > 3:
        with Path(sys.argv[3]).open("a") as results:
            results.write(f"\n`python -m bench.attack {site.name} {sys.argv[2]}` ({what}) on {machine()}\n\n"
                          f"{table.markdown()}\n")
