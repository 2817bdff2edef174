"""Inside the towers' bench rows (issue 33): the bytes a photo's data/towers file costs (the stand-in's, and one
photo through the full-size (ViT-B/32-shaped, random weights) vision tower), text.json, and the time from moving
the layer slider to the next painted frame, in Chromium, unthrottled and at 4x CPU slowdown.

The text-attention figure in live mode, as a reader meets it (live_rows): in a fresh context live mode is turned on
(bench/live_reader.py live_ready, on the core article), then towers.html is opened in the same tab with labels the build
did not compute (vocabulary labels and typed live texts) beside the defaults, and live mode starts again there (live
labels in the link, live mode on in the tab). Once its text tower is ready (the control bar says "Live mode: on"), the
figure is brought near and each label is chosen in its select, one after another, timed in the page from the
select's `change` event to the figure showing that label's cells (`data-label` = the label, `data-state=ready`,
cells with `data-value`): the ask queued for the worker (urgent, ahead of the live labels' background batches), one
text pass through the text graph's `end_attention`, the square drawn. Its memory: bench/livememory.py figure_rows.

    python -m bench.towers               # these rows alone; the stand-in site is built in a temporary folder
    python -m bench.towers --site site   # on a site already built
    python -m bench.towers --live SITE   # the live rows alone, on a built site with live mode (printed, and with
                                         # --results FILE appended there under the machine)
Alone, it writes bench/results-towers.md. rows(table, browser, url, site) is item 11 of `python -m bench`, with
live_rows on the stand-in; live_rows on the full-size site runs with live mode's full-size rows (bench/livemode.py).
"""
import argparse
import gzip
import json
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from .attack import load
from .common import KB, Budget, Table, build_site, machine, snapshot_of
from .live_reader import live_ready, waited

ROOT = Path(__file__).resolve().parent.parent
PHOTO_BUDGET = Budget("<=", 30, " KB")  # gzip per photo (issue 33)
REDRAW = {1: Budget("<=", 50, " ms"), 4: Budget("<=", 200, " ms")}  # by CPU slowdown
ROUNDS = 21

# moves the layer slider `rounds` times (to the other end each time) and times each until the frame after it
MOVE = """async (rounds) => {
  const slider = document.getElementById('attention-layer');
  const figure = document.querySelector('[data-testid=attention-figure]');
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const to = Number(slider.value) === Number(slider.max) ? 1 : Number(slider.max);
    const start = performance.now();
    slider.value = String(to);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done)));
    if (figure.dataset.layer !== String(to)) throw new Error(`layer ${to} not drawn`);
    times.push(performance.now() - start);
  }
  return times;
}"""


TEXT = "[data-testid=text-attention-figure]"
TYPED = ["tarantula eating sushi", "a lighthouse in a snowstorm"]  # live texts, none of the build's labels

# set up before the reader's choice: the select's change event's time, and the moment the figure shows that label's
# cells
WATCH_TEXT = r"""(label) => {
  window.__textAttention = new Promise((resolve) => {
    let chosen = null;
    const select = document.getElementById('text-attention-label');
    select.addEventListener('change', (e) => { chosen = e.timeStamp; }, { once: true });
    const figure = document.querySelector('[data-testid=text-attention-figure]');
    const shown = () => figure.dataset.label === label && figure.dataset.state === 'ready'
      && figure.querySelector('td[data-value]');
    const observer = new MutationObserver(() => {
      if (chosen === null || !shown()) return;
      observer.disconnect();
      resolve(performance.now() - chosen);
    });
    observer.observe(document.getElementById('text-attention'), { subtree: true, childList: true, attributes: true });
  });
}"""


def figure_labels(site, n=2):
    """(the defaults, n vocabulary labels the build computed no text attention for): the first names of the site's
    vocabulary that are not defaults."""
    snap = snapshot_of(site, "towers.html")
    defaults = snap["default"]["labels"]
    names = json.loads((Path(site) / snap["vocabulary"]["names"]).read_text())
    return defaults, [name for name in names if name not in defaults][:n]


def towers_address(url, defaults, labels, typed=()):
    """towers.html with the defaults, labels and typed live texts as the page's labels (the link's label= and live=),
    the "why" figures explaining the first default: the text-attention figure follows that label until the reader
    chooses one, so it asks live mode for none of the others before they are chosen (the top label may be one)."""
    pairs = [*(("label", x) for x in [*defaults, *labels]), *(("live", x) for x in typed), ("why", defaults[0])]
    return f"{url}towers.html#{urlencode(pairs)}"


def figure_near(page):
    """The text-attention figure brought near and drawn (a default label, from data/towers/text.json)."""
    page.locator("#text-attention").scroll_into_view_if_needed(timeout=10000)
    page.wait_for_selector(f"{TEXT}[data-state=ready]", timeout=60000)


def choose(page, label):
    """label chosen in the figure's select: ms from the change event to the figure showing its cells."""
    page.wait_for_selector(f"#text-attention-label option[value='{label}']", state="attached", timeout=300000)
    if page.get_attribute(TEXT, "data-label") == label:
        raise RuntimeError(f"the figure already shows {label!r}: nothing to time")
    page.evaluate(WATCH_TEXT, label)
    page.select_option("#text-attention-label", label)
    return waited(page, "__textAttention")


def text_attention_times(browser, url, site):
    """One fresh context: [(label, ms from choosing it in the figure to its cells shown)] for each label the build
    did not compute, vocabulary and typed in turn, live mode's text tower ready."""
    defaults, vocabulary = figure_labels(site)
    context, page = live_ready(browser, url)  # live mode on in this tab (the text tower ready)
    try:
        page.goto(towers_address(url, defaults, vocabulary, TYPED))
        page.wait_for_selector("body[data-ready=true]", timeout=30000)
        page.wait_for_selector("[data-testid=bar-live][data-state=on]", timeout=600000)  # started again here
        figure_near(page)
        order = [x for pair in zip(vocabulary, TYPED, strict=True) for x in pair]
        return [(label, choose(page, label)) for label in order]
    finally:
        context.close()


def live_rows(table, browser, url, site, what, runs=2):
    """The text-attention figure's live path as a reader meets it: runs fresh contexts; median and max."""
    before = load()
    times = [t for _ in range(runs) for t in text_attention_times(browser, url, site)]
    after = load()
    every = [ms for _, ms in times]
    median = statistics.median(every)
    typed = statistics.median(ms for label, ms in times if label in TYPED)
    vocabulary = statistics.median(ms for label, ms in times if label not in TYPED)
    table.add(f"11. towers: text attention, a label chosen to its cells, live mode ({what})", f"{median:.0f} ms",
              None, median, f"{runs} fresh contexts x {len(times) // runs} labels the build did not compute "
              f"(vocabulary and typed live texts in turn), text tower ready: median, max {max(every):.0f} ms; "
              f"vocabulary {vocabulary:.0f} ms, typed {typed:.0f} ms (medians); all: "
              f"{', '.join(f'{ms:.0f}' for ms in every)}; load average (1, 5, 15 min) {before} before, {after} after",
              timing=True)
    return every


def full_size_bytes():
    """gzip bytes of one photo's file made by the full-size random checkpoint (ViT-B/32's shapes)."""
    import torch

    from explainer.compute import encode_vectors
    from explainer.content import read_content
    from explainer.embed import Clip
    from explainer.towers import TowerModel, vision_numbers

    from .embedding import full_size_checkpoint
    folder = full_size_checkpoint()
    photo = read_content(ROOT / "content", ROOT / "photos").photos[0]
    tower = TowerModel(folder, "cpu").load()
    record = vision_numbers(tower.model, torch, Clip(folder, "cpu").preprocess(photo.image))
    layers, heads, _ = record["attention"].shape
    text = json.dumps({"layers": layers, "heads": heads, "grid": 7, **{k: encode_vectors(v)
                                                                      for k, v in record.items()}})
    return len(gzip.compress(text.encode(), 9)), layers, heads


def rows(table, browser, url, site):
    files = sorted(p for p in (Path(site) / "data" / "towers").glob("*.json") if p.name != "text.json")
    largest = max(len(gzip.compress(p.read_bytes(), 9)) for p in files) / KB
    table.add("11. towers: data/towers/<photo>.json, stand-in (largest)", f"{largest:.1f} KB", PHOTO_BUDGET, largest,
              note=f"gzip; {len(files)} photos; fetched when the attention or lens figure comes near")
    packed, layers, heads = full_size_bytes()
    table.add("11. towers: one photo's file, full-size model", f"{packed / KB:.1f} KB", PHOTO_BUDGET, packed / KB,
              note=f"gzip; ViT-B/32's shapes ({layers} layers x {heads} heads, 50 tokens, 512 dims), random weights")
    text = (Path(site) / "data" / "towers" / "text.json").read_bytes()
    table.add("11. towers: data/towers/text.json, stand-in", f"{len(gzip.compress(text, 9)) / KB:.1f} KB",
              note="gzip; the default labels under each single template; no vocabulary label file grows")
    for rate, budget in REDRAW.items():
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}towers.html#photo=cat")
        page.wait_for_selector("body[data-ready=true]", timeout=30000)
        page.locator("#attention").scroll_into_view_if_needed()
        page.wait_for_selector("[data-testid=attention-figure][data-state=ready]", timeout=30000)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
        median = statistics.median(page.evaluate(MOVE, ROUNDS))
        page.close()
        slowed = "unthrottled" if rate == 1 else f"{rate}x CPU slowdown"
        table.add(f"11. towers: layer slider to the next frame, {slowed}", f"{median:.1f} ms", budget, median,
                  note=f"median of {ROUNDS} moves (attention map, stand-in); includes the wait for the frame",
                  timing=True)
    live_rows(table, browser, url, site, "stand-in")  # the text-attention figure with live mode on


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.towers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", help="a site already built (else the stand-in is built in a temporary folder)")
    parser.add_argument("--live", metavar="SITE", help="only the live rows, on this built site with live mode")
    parser.add_argument("--runs", type=int, default=2, help="with --live: fresh contexts")
    parser.add_argument("--results", help="with --live: a file the rows are appended to, under the machine")
    args = parser.parse_args(argv)
    from explainer.harness import chromium, serve
    table = Table()
    if args.live:
        site = Path(args.live)
        what = "full-size" if "full" in str(site) else "this site"
        with serve(site) as url, chromium() as browser:
            live_rows(table, browser, url, site, what, args.runs)
        if args.results:
            with Path(args.results).open("a") as results:
                results.write(f"\n`python -m bench.towers --live {site}` ({what}) on {machine()}\n\n"
                              f"{table.markdown()}\n")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(args.site) if args.site else Path(tmp) / "site"
        if not args.site:
            build_site(site, ROOT / ".cache")
        with serve(site) as url, chromium() as browser:
            rows(table, browser, url, site)
    out = ROOT / "bench" / "results-towers.md"
    out.write_text(f"# make bench results\n\nMachine: {machine()}\n\nRun: `python -m bench.towers`; "
                   f"{len(table.failed)} budget(s) missed.\n\n{table.markdown()}\n")
    print(f"wrote {out}")
    return 1 if table.failed else 0

if __name__ == "__main__":
    sys.exit(main())
