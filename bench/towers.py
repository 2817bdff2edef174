"""Inside the towers' bench rows (issue 33): the bytes a photo's data/towers file costs (the stand-in's, and one
photo through the full-size (ViT-B/32-shaped, random weights) vision tower), text.json, and the time from moving
the layer slider to the next painted frame, in Chromium, unthrottled and at 4x CPU slowdown.

    python -m bench.towers               # these rows alone; the stand-in site is built in a temporary folder
    python -m bench.towers --site site   # on a site already built
Alone, it writes bench/results-towers.md. rows(table, browser, url, site) is item 11 of `python -m bench`.
"""
import argparse
import gzip
import json
import statistics
import sys
import tempfile
from pathlib import Path

from .common import KB, Budget, Table, build_site, machine

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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.towers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", help="a site already built (else the stand-in is built in a temporary folder)")
    args = parser.parse_args(argv)
    from explainer.harness import chromium, serve
    table = Table()
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
