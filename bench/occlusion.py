"""The occlusion map's bench rows (issue 23, item 1): the size of data/occlusion.json, and the build's extra time
for the occluded passes (6 photos x 49 cells) on the full-size (ViT-B/32-shaped, random weights) vision tower.

    python -m bench.occlusion                 # these rows alone; the stand-in site is built in a temporary folder
    python -m bench.occlusion --site site     # its size from a site already built
Alone, it writes bench/results-occlusion.md.

The time is measured on `--photos` photos (two by default, a whole 49-image batch each) and scaled to all six,
as the rows say: a full run takes minutes on two busy cores and the rate does not depend on the photo.
rows(table, site, photos) is item 10 of `python -m bench` (full run, or --only occlusion); alone, the rows are
printed.

The reader's own photo (own_photo_rows, run with live mode's full-size rows: `python -m bench --only live`): in
Chromium, a photo given through the own-photo file input, timed in the page from its vector being ready (the mark
ownphoto.js sets) to the saliency figure filled with its map (the worker's 49 occluded copies); and the 49 copies
through one LiveClient in one batch against smaller batches (what chose ownphoto.js's OCCLUSION_BATCH), and
through two (live mode's worker and a helper with the photo tower alone, as the page runs them where a device has
the cores and the memory).

    python -m bench.occlusion --own-site SITE   # these rows alone, on a site built with live mode
"""
import argparse
import base64
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import Budget

ROOT = Path(__file__).resolve().parent.parent


def full_size():
    """The full-size checkpoint, from the bench's own helper."""
    from .embedding import full_size_checkpoint
    return full_size_checkpoint()


def occlusion_seconds(folder, n_photos):
    """Seconds per occluded image on the full-size vision tower (CPU), over n_photos whole batches."""
    from explainer.content import read_content
    from explainer.embed import Clip
    photos = read_content(ROOT / "content", ROOT / "photos").photos
    grid = 224 // 32
    clip = Clip(folder, "cpu")
    clip.embed_image(photos[0].image)  # loads the model, warms up
    start = time.perf_counter()
    for photo in photos[:n_photos]:
        clip.embed_occluded(photo.image, grid)
    return (time.perf_counter() - start) / (n_photos * grid * grid), len(photos), grid


def rows(table, site, n_photos=2):
    data = (Path(site) / "data" / "occlusion.json").read_bytes()
    table.add("10. occlusion map: data/occlusion.json (6 photos x 49 x 512 float16)",
              f"{len(data) / 1000:.0f} KB", note=f"{len(gzip.compress(data, 9)) / 1000:.0f} KB gzip; fetched when "
              "the figure comes near")
    per_image, total_photos, grid = occlusion_seconds(full_size(), n_photos)
    cells = grid * grid
    table.add("10. occlusion map: build's extra time, full-size model (CPU)",
              f"{total_photos * cells * per_image:.0f} s",
              note=f"{1 / per_image:.1f} occluded images/s measured on {n_photos} photos x {cells}, scaled to "
              f"{total_photos} x {cells} = {total_photos * cells}; once per photo, then cached")


# When the saliency figure shows a map of the reader's photo: performance.now() by photo id, in window.__mapReady.
WATCH_MAP = """() => {
  const figure = document.querySelector('[data-testid=saliency-figure]');
  window.__mapReady = {};
  new MutationObserver(() => {
    const { state, photo } = figure.dataset;
    if (state === 'ready' && photo.startsWith('own:') && !(photo in window.__mapReady)) {
      window.__mapReady[photo] = performance.now();
    }
  }).observe(figure, { attributes: true, attributeFilter: ['data-state', 'data-photo'] });
}"""

# From the n-th photo's vector (ownphoto.js's mark) to its map in the figure, in ms.
MAP_TIME = """(n) => performance.getEntriesByName('own-photo-vector')[n - 1]
  && window.__mapReady[`own:${n}`] - performance.getEntriesByName('own-photo-vector')[n - 1].startTime"""

# The 49 occluded copies of one photo through a LiveClient of its own, in batches of each size, then through two
# (the second with the photo tower alone, started before the clock): ms each.
BATCHES = """async ([data, sizes]) => {
  const { LiveClient } = await import('./assets/live/client.js');
  const { embedOccludedCopies } = await import('./assets/live/occlusionrun.js');
  const live = new LiveClient('live/manifest.json');
  await live.load({ parts: ['text', 'vision'] });
  const blob = new Blob([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], { type: 'image/jpeg' });
  await live.embedImage(blob);  // the photo tower's first run
  const out = {};
  for (const size of sizes) {
    const start = performance.now();
    await embedOccludedCopies([live], blob, { cells: 49, batch: size });
    out[size] = performance.now() - start;
  }
  const helper = new LiveClient('live/manifest.json');
  await helper.load({ parts: ['vision'] });
  const start = performance.now();
  await embedOccludedCopies([live, helper], blob, { cells: 49, batch: Math.min(...sizes) });
  out.two = performance.now() - start;
  live.terminate();
  helper.terminate();
  return out;
}"""


def own_photo_rows(table, browser, url, content, what, runs=3, sizes=(49, 16, 7)):
    """Item 10's own-photo rows, on a site served at url with live mode (see the module's docstring)."""
    busy = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    photo = content.photos[0]
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=30000)
    batches = page.evaluate(BATCHES, [base64.b64encode(photo.path.read_bytes()).decode(), list(sizes)])
    context.close()
    one = batches[str(max(sizes))]
    for size in sorted(sizes, reverse=True):
        table.add(f"10. own photo, 49 occluded copies in batches of {size} ({what})",
                  f"{batches[str(size)] / 1000:.1f} s", "", None,
                  f"one LiveClient; {batches[str(size)] / one:.2f}x one batch; {busy}", timing=True)
    table.add(f"10. own photo, 49 occluded copies on two workers, batches of {min(sizes)} ({what})",
              f"{batches['two'] / 1000:.1f} s", "", None,
              f"live mode's worker and a helper with the photo tower alone (started before the clock); "
              f"{batches['two'] / batches[str(min(sizes))]:.2f}x one worker; {busy}", timing=True)
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=30000)
    page.locator("#saliency").scroll_into_view_if_needed()
    page.evaluate(WATCH_MAP)
    times = []
    for n, given in enumerate(content.photos[:runs], start=1):
        page.set_input_files("[data-testid=own-photo-input]", str(given.path))
        page.wait_for_selector(f"[data-testid=saliency-figure][data-photo='own:{n}'][data-state=ready]",
                               timeout=600000)
        times.append(page.evaluate(MAP_TIME, n) / 1000)
    context.close()
    median = statistics.median(times)
    table.add(f"10. own-photo occlusion map ({what})", f"{median:.1f} s", Budget("<=", 10, " s"), median,
              f"median of {len(times)} photos given through own-photo-input ({', '.join(f'{t:.1f}' for t in times)}"
              f" s): from the photo's vector ready, the figure on screen, to the map filled: 49 copies "
              f"shared by live mode's worker and a helper that starts with the map (single-threaded wasm each); "
              f"{busy}", timing=True)
    return median


class Printed:
    """The rows printed, and kept for bench/results-occlusion.md, when this module runs alone."""

    def __init__(self):
        self.rows = []

    def add(self, figure, value, budget=None, measured=None, note="", **kwargs):
        if budget is not None and measured is not None and hasattr(budget, "met"):
            value = f"{value} ({'pass' if budget.met(measured) else 'FAIL'})"
        self.rows.append(f"| {figure} | {value} | {budget or ''} | {note} |")
        print(f"  {figure:<66} {value:>10}  {str(budget or ''):<10} {note}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.occlusion", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", help="a built site (default: build the stand-in site into a temporary folder)")
    parser.add_argument("--photos", type=int, default=2, help="photos to time on the full-size model (1-6)")
    parser.add_argument("--own-site", help="only the own-photo rows, on this site built with live mode")
    args = parser.parse_args(argv)
    if args.own_site:
        return own_main(Path(args.own_site))
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if not site:
            site = Path(tmp) / "site"
            subprocess.run([sys.executable, str(ROOT / "build.py"), "--model", "stand-in", "--out", str(site),
                            "--no-live"], cwd=ROOT, check=True, capture_output=True)
        table = Printed()
        rows(table, site, args.photos)
    results = ROOT / "bench" / "results-occlusion.md"
    results.write_text("# python -m bench.occlusion\n\n| figure | value | budget | note |\n| --- | ---: | --- | --- |\n"
                       + "\n".join(table.rows) + "\n")
    print(f"wrote {results}")


def own_main(site):
    """The own-photo rows alone, written to bench/results-occlusion-own.md."""
    from explainer.content import read_content
    from explainer.harness import chromium, serve
    content = read_content(ROOT / "content", ROOT / "photos")
    table = Printed()
    model = json.loads((site / "live" / "manifest.json").read_text())["model"]["name"]
    what = "stand-in" if model == "stand-in" else "full-size"
    with serve(site) as url, chromium() as browser:
        own_photo_rows(table, browser, url, content, what)
    from .common import machine
    results = ROOT / "bench" / "results-occlusion-own.md"
    results.write_text(f"# python -m bench.occlusion --own-site\n\nMachine: {machine()}; load average at the end "
                       f"{os.getloadavg()[0]:.1f}\n\n| figure | value | budget | note |\n"
                       "| --- | ---: | --- | --- |\n" + "\n".join(table.rows) + "\n")
    print(f"wrote {results}")


if __name__ == "__main__":
    main()
