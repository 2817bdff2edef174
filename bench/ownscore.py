"""Item 14, the score figure for the reader's own photo (issue 34): the bytes of one template's vocabulary vectors
(data/vocab-vectors/<template>.bin, int8 with a float32 scale per vector: count x (4 + dim) bytes, so the stand-in's
file for the full content, 512 dimensions like ViT-B/32, is a full-size model's), and the time from the click on the
offer, the file already in the browser's cache, to the figure drawn (in Chromium, stand-in; the own photo is put
in the tab as live/ownkept.js keeps one, so no live mode is needed).

Alone, it writes bench/results-ownscore.md. rows(table, browser, url, site, runs) is item 14 of `python -m bench`
(run with items 1-4)."""
import argparse
import base64
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

from .common import KB, MB, ROOT, Table, build_site, gz, machine

TEMPLATE = "photo"

# the click, then the figure watched until it is drawn for the own photo, then the next frame
CLICK = """async () => {
    const root = document.querySelector('[data-testid=score-figure]');
    const drawn = () => !root.dataset.paused && root.dataset.photo === 'own:1' && !!root.querySelector('tr');
    const start = performance.now();
    document.querySelector('[data-testid=score-own-download]').click();
    for (let i = 0; i < 2000 && !drawn(); i++) await new Promise((r) => setTimeout(r, 1));
    await new Promise(requestAnimationFrame);
    const entry = performance.getEntriesByType('resource').find((e) => e.name.includes('/vocab-vectors/')
      && e.name.endsWith('.bin'));
    return { ms: performance.now() - start, drawn: drawn(), transfer: entry ? entry.transferSize : -1 };
}"""


def kept_photo(site):
    """A kept own photo (live/ownkept.js's entry): a built-in photo's pixels and a vector near its own."""
    embeddings = json.loads((site / "data" / "embeddings.json").read_text())
    dim = embeddings["model"]["dim"]
    image = np.frombuffer(base64.b64decode(embeddings["vectors"]["image"]), dtype="<f2").reshape(-1, dim)[0]
    vector = image.astype(np.float32) + np.float32(0.01)
    vector /= np.linalg.norm(vector)
    jpeg = next((site / "photos").glob("*.jpg"))
    return {"id": "own:1", "title": "Your photo", "vector": base64.b64encode(vector.astype("<f4").tobytes()).decode(),
            "image": "data:image/jpeg;base64," + base64.b64encode(jpeg.read_bytes()).decode()}


def click_to_drawn(browser, url, site, runs):
    """ms from the click to the figure drawn (median of runs), the .bin in the HTTP cache from a first click."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    entry = json.dumps(json.dumps([kept_photo(site)]))
    context.add_init_script(f"sessionStorage.setItem('clip-explainer-own-photos', {entry});")
    times, transfers = [], []
    for run in range(runs + 1):  # the first run fills the cache
        page = context.new_page()
        page.goto(f"{url}numbers.html#photo=own:1&template={TEMPLATE}")
        page.wait_for_selector("body[data-ready=true]", timeout=30000)
        page.locator("#score").scroll_into_view_if_needed()
        page.wait_for_selector("[data-testid=score-own-download]:visible", timeout=20000)
        result = page.evaluate(CLICK)
        page.close()
        if not result["drawn"]:
            raise RuntimeError("the score figure was not drawn for the own photo")
        if run:
            times.append(result["ms"])
            transfers.append(result["transfer"])
    context.close()
    return statistics.median(times), transfers


def rows(table, browser, url, site, runs):
    folder = site / "data" / "vocab-vectors"
    header = json.loads((folder / f"{TEMPLATE}.json").read_text())
    size = (folder / f"{TEMPLATE}.bin").stat().st_size
    templates = len(list(folder.glob("*.bin")))
    table.add("14. own photo's score: vocabulary vectors per template", f"{size / MB:.2f} MB", None, None,
              f"{header['count']} labels x {header['dim']} int8 + a float32 scale each; gzip "
              f"{gz((folder / f'{TEMPLATE}.bin').read_bytes()) / MB:.2f} MB; {templates} templates; "
              "fetched only on the click")
    every = sum(path.stat().st_size for path in folder.glob("*.bin"))
    table.add("14. own photo's score: vocabulary vectors, every template", f"{every / MB:.1f} MB", None, None,
              f"what the site holds; float16 would be {2 * header['count'] * header['dim'] * templates / MB:.1f} MB")
    table.add("14. own photo's score: header (.json)", f"{(folder / f'{TEMPLATE}.json').stat().st_size / KB:.1f} KB",
              None, None, f"cosine error <= {header['max_cosine_error']:.1e} ({header['max_cosine_error_centred']:.1e}"
              f" centred), percentile moves <= {header['max_percentile_error']:.2f} points (stand-in)")
    ms, transfers = click_to_drawn(browser, url, site, runs)
    cached = sum(t == 0 for t in transfers)
    table.add("14. own photo's score: click to figure drawn, file cached", f"{ms:.0f} ms", None, None,
              f"median of {runs}; {cached} of {len(transfers)} from the browser's cache; the cosines with "
              f"{header['count']} labels, sorted, drawn; load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} cores", timing=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.ownscore", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", help="a site already built (else the stand-in is built in a temporary folder)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    from explainer.harness import chromium, serve
    table = Table()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(args.site) if args.site else Path(tmp) / "site"
        if not args.site:
            build_site(site, ROOT / ".cache")
        with serve(site) as url, chromium() as browser:
            rows(table, browser, url, site, args.runs)
    out = ROOT / "bench" / "results-ownscore.md"
    out.write_text(f"# make bench results\n\nMachine: {machine()}\n\nRun: `python -m bench.ownscore`; "
                   f"{len(table.failed)} budget(s) missed.\n\n{table.markdown()}\n")
    print(f"wrote {out}")
    return 1 if table.failed else 0


if __name__ == "__main__":
    sys.exit(main())
