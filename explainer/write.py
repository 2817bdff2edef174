"""Stage 6, write: everything goes into a temporary folder beside site/, which replaces site/ only once
the whole build has succeeded. A failed build leaves the previous site as it was."""
import json
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from .errors import BuildError
from .photos import WEB_WIDTHS

ROOT = Path(__file__).resolve().parent.parent
# File in node_modules -> file in site/vendor (pinned in package.json). Every file copied into site/vendor
# must be listed here: explainer/notices.py reads this to write the licences of what the site ships.
VENDOR = {
    "vega/build/vega.min.js": "vega.min.js",
    "vega-interpreter/build/vega-interpreter.js": "vega-interpreter.js",
}
LIVE_VENDOR = {  # live mode's runtime, loaded by templates/assets/live/worker.js (single-threaded wasm)
    "onnxruntime-web/dist/ort.wasm.bundle.min.mjs": "ort.wasm.bundle.min.mjs",
    "onnxruntime-web/dist/ort-wasm-simd-threaded.wasm": "ort-wasm-simd-threaded.wasm",
    "@huggingface/tokenizers/dist/tokenizers.min.mjs": "tokenizers.min.mjs",
}


@contextmanager
def staging(out):
    """Yield a fresh temporary folder; on success swap it into out, on failure delete it."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out)
    tmp = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(out):
    """Temporary folders of builds that were killed (their process is gone) are deleted."""
    for folder in out.parent.glob(f".{out.name}.*-*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass  # another user's live process


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def write_photos(folder, photos):
    """Each photo as JPEGs of WEB_WIDTHS pixels wide; returns {id: {src, srcset, width, height}}."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for photo in photos:
        sizes = []
        for width in WEB_WIDTHS:
            height = round(photo.image.height * width / photo.image.width)
            name = f"{photo.id}-{width}.jpg"
            photo.image.resize((width, height), Image.Resampling.LANCZOS).save(folder / name, "JPEG", quality=82, optimize=True)
            sizes.append((name, width, height))
        name, width, height = sizes[-1]
        out[photo.id] = dict(src=f"photos/{name}", width=width, height=height, thumb=f"photos/{sizes[0][0]}",
                             srcset=", ".join(f"photos/{n} {w}w" for n, w, _ in sizes))
    return out


def copy_assets(templates_dir, site, node_modules, live=False):
    """The client (templates/assets) and the pinned Vega runtime, vendored: no CDN, ever; with live,
    live mode's runtime too (onnxruntime-web and the tokenizer library)."""
    shutil.copytree(templates_dir / "assets", site / "assets")
    vendor = site / "vendor"
    vendor.mkdir()
    for source, target in VENDOR.items():
        path = node_modules / source
        if not path.exists():
            raise BuildError("the pinned Vega runtime is missing; run `npm ci` (make build does)", path)
        text = path.read_text(encoding="utf-8")
        if target == "vega-interpreter.js":
            # vega-interpreter imports three helpers from vega-util; vega.min.js already exposes them
            # on the global `vega`, so read them from there instead of shipping vega-util again.
            text, n = re.subn(r"import \{ ([\w, ]+) \} from 'vega-util';",
                              r"const { \1 } = globalThis.vega;", text)
            if n != 1:
                raise BuildError("unexpected vega-interpreter build: cannot rewrite its vega-util import", path)
        (vendor / target).write_text(text, encoding="utf-8")
    for source, target in (LIVE_VENDOR.items() if live else ()):
        path = node_modules / source
        if not path.exists():
            raise BuildError("live mode's pinned runtime is missing; run `npm ci` (make build does)", path)
        shutil.copyfile(path, vendor / target)
    (site / ".nojekyll").write_text("")  # GitHub Pages: serve the files as they are
