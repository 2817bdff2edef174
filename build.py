"""Build the CLIP explainer: python build.py --model MODEL [--model MODEL2 ...] --out DIR

MODEL is a Hugging Face id (default openai/clip-vit-base-patch32), a local save_pretrained folder,
or "stand-in" (an untrained model with CLIP's shapes, for offline builds and tests; "stand-in-l14" is one
shaped like ViT-L/14). --model given several times builds one site carrying each model; the first is the
default. Without --model, content/settings.yaml's `models:` list, else the default model alone.
"""
import argparse
import os
import sys
import time

from explainer.errors import BuildError
from explainer.model import DEFAULT_MODEL, STAND_IN, ModelUnavailable


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", default=[],
                        help=f"hub id, local folder or {STAND_IN!r}; again for each further model (the first is the "
                             f"default; none: settings.yaml's models, else {DEFAULT_MODEL})")
    parser.add_argument("--out", default="site", help="output folder (replaced only when the build succeeds)")
    parser.add_argument("--content", default="content", help="folder of Markdown, labels, templates, vocabulary")
    parser.add_argument("--photos", default="photos", help="folder of photos and photos.yaml")
    parser.add_argument("--cache", default=".cache", help="embedding cache and stand-in checkpoint")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                        help="where the model runs: auto (CUDA when torch sees a GPU), cpu or cuda")
    parser.add_argument("--fallback-to-stand-in", action="store_true",
                        help="if the model cannot be loaded, warn loudly and build with the stand-in")
    parser.add_argument("--no-live", action="store_true",
                        help="skip live mode (no ONNX export; the page offers no in-browser model)")
    args = parser.parse_args(argv)

    from explainer.context import BuildContext, log_to_stderr  # imported here so --help stays instant
    from explainer.pipeline import build_site
    start = time.perf_counter()
    log_to_stderr()
    first, *more = args.model or [None]
    ctx = BuildContext(first, args.out, content_dir=args.content, photos_dir=args.photos, cache_dir=args.cache,
                       device=args.device, progress=True, live=not args.no_live, more_models=tuple(more))
    try:
        try:
            report = build_site(ctx)
        except ModelUnavailable as error:
            if not args.fallback_to_stand_in:
                raise
            print(f"\n{'!' * 78}\nWARNING: {error}\n\nFalling back to the UNTRAINED STAND-IN model. Its numbers "
                  f"are not CLIP's;\nevery page will carry a banner saying so. The site carries the stand-in "
                  f"alone:\nno further model (--model, settings.yaml's models) is built.\n{'!' * 78}\n",
                  file=sys.stderr)
            ctx.model, ctx.more_models = STAND_IN, ()
            report = build_site(ctx)
    except BuildError as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    stats = report.stats
    print(f"built {args.out}/ with {report.model.name} ({report.model.fingerprint[:12]}) in "
          f"{time.perf_counter() - start:.1f} s; model calls: {stats['forward_passes']} forward passes, "
          f"{stats['texts_embedded']} texts, {stats['images_embedded']} images, "
          f"{stats['occluded_embedded']} occluded images", file=sys.stderr)
    return 0


if __name__ == "__main__":
    code = main()
    # Everything is written and closed by now; skip the interpreter's teardown, which takes about a second
    # once torch has been imported (a rebuild that embedded one new label).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
