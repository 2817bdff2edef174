"""The occlusion map's bench rows (issue 23, item 1): the size of data/occlusion.json, and the build's extra time
for the occluded passes (6 photos x 49 cells) on the full-size (ViT-B/32-shaped, random weights) vision tower.

    python -m bench.occlusion                 # these rows alone; the stand-in site is built in a temporary folder
    python -m bench.occlusion --site site     # its size from a site already built
Alone, it writes bench/results-occlusion.md.

The time is measured on `--photos` photos (two by default, a whole 49-image batch each) and scaled to all six,
as the rows say: a full run takes minutes on two busy cores and the rate does not depend on the photo.
rows(table, site, photos) is item 10 of `python -m bench` (full run, or --only occlusion); alone, the rows are
printed.
"""
import argparse
import gzip
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


class Printed:
    """The rows printed, and kept for bench/results-occlusion.md, when this module runs alone."""

    def __init__(self):
        self.rows = []

    def add(self, figure, value, budget=None, *args, note="", **kwargs):
        self.rows.append(f"| {figure} | {value} | {budget or ''} | {note} |")
        print(f"  {figure:<66} {value:>10}  {budget or '':<10} {note}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.occlusion", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", help="a built site (default: build the stand-in site into a temporary folder)")
    parser.add_argument("--photos", type=int, default=2, help="photos to time on the full-size model (1-6)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
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


if __name__ == "__main__":
    main()
