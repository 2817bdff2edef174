"""Stage 6, write: everything goes into a temporary folder beside site/, which replaces site/ only once
the whole build has succeeded. A failed build leaves the previous site as it was."""
import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, features

from .content import check_folder
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


SITE_MARKER = ".clip-explainer-site"  # written into every site: "a build made this folder, it may replace it"
MARKER_TEXT = "A site built by the CLIP explainer (build.py); the next build replaces this whole folder.\n"
# The top level of a site built before the marker existed: such a folder is replaced like a marked one.
SITE_LAYOUT = {"index.html", ".nojekyll", "assets", "vendor", "data", "photos", "charts", "seen", "live",
               "preview.png", "THIRD_PARTY_NOTICES.md"}
SITE_LAYOUT_REQUIRED = {"index.html", ".nojekyll", "assets", "vendor"}


def check_out(out, inputs):
    """Refuse, before any work, an out folder whose replacement would destroy something that is not a site
    of ours: `/` or a mount point, an existing file, a folder that is or holds a git work tree or the
    repository, an input folder (inputs: content, photos, templates, cache...) or a folder inside or around
    one, a non-empty folder without the site marker. inputs: {name: folder}. Raises BuildError with one
    sentence saying why."""
    given = str(out)
    try:
        target = Path(out).expanduser().resolve()
    except (OSError, RuntimeError) as error:  # a symlink loop
        raise BuildError(f"refusing --out {given}: it cannot be resolved ({error})") from None
    why = out_problem(target, {"the repository": ROOT, **{f"the {name} folder": path for name, path in inputs.items()}})
    if why:
        raise BuildError(f"refusing --out {given}: {why}; choose a new or empty folder, or one an earlier build "
                         "made (such as site)")


def out_problem(target, protected):
    """Why the build must not replace the folder target (resolved), or None."""
    if target == Path(target.anchor) or os.path.ismount(target):
        return "it is the root of the file system or a mount point, which cannot be replaced"
    if ".git" in target.parts:
        return "it is inside a git folder"
    for what, folder in protected.items():  # {what: folder}
        folder = Path(folder).resolve()
        if target == folder:
            return f"it is {what} ({folder})"
        if folder.is_relative_to(target):
            return f"it contains {what} ({folder})"
        if target.is_relative_to(folder) and folder != ROOT:  # site/ inside the repository is the default
            return f"it is inside {what} ({folder}), which the build reads"
    return existing_problem(target)


def existing_problem(target):
    """Why what already stands at target (resolved, outside every protected folder) must not be replaced."""
    parent = next((p for p in target.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        return f"{parent} is a file, not a folder"
    if not target.exists() and not target.is_symlink():
        return None
    if not target.is_dir():
        return "it is an existing file, not a folder (the build replaces its out folder as a whole)"
    try:
        names = set(os.listdir(target))
    except OSError as error:
        return f"it cannot be read ({error.strerror})"
    if ".git" in names:
        return "it holds a .git folder (a git work tree)"
    if names and SITE_MARKER not in names and not (SITE_LAYOUT_REQUIRED <= names <= SITE_LAYOUT):
        return (f"it holds files a build did not write (it has no {SITE_MARKER} marker file, and is not laid "
                "out as a site)")
    return None


def rename_exchange(a, b):
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE): a kill sees either both old or both
    new. False where the system cannot (then nothing happened)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange_flag = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange_flag) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(error, os.strerror(error), str(a))


def pause_at(point):
    """Tests only: with EXPLAINER_PAUSE_AT=point, print "paused at point" on stderr and wait to be killed
    (how tests/test_hostile_build.py kills a build at each step of the swap)."""
    if os.environ.get("EXPLAINER_PAUSE_AT") == point:
        print(f"paused at {point}", file=sys.stderr, flush=True)
        time.sleep(600)


@contextmanager
def staging(out):
    """Yield a fresh temporary folder (holding the site marker); on success swap it into out in one step,
    on failure delete it. Every state a kill leaves is the old site or the new one (plus a hidden
    leftover that the next build deletes)."""
    out = Path(out).resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BuildError(f"cannot make the folder for --out: {error.strerror}", out.parent) from None
    remove_leftovers(out)
    tmp = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
    except OSError as error:
        raise BuildError(f"cannot write beside --out: {error.strerror}", out.parent) from None
    (tmp / SITE_MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pause_at("swap")
    if out.is_dir() and rename_exchange(tmp, out):
        pause_at("swapped")
        shutil.rmtree(tmp, ignore_errors=True)  # now the old site
        return
    # No atomic exchange here (or no old site): the old site steps aside, then the new one takes its name;
    # a kill between the two leaves out missing, and the next build puts the old one back (remove_leftovers).
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(out):
    """Temporary folders of builds that were killed (their process is gone) are deleted; an old site that
    a kill left aside with no site in its place is put back."""
    for folder in sorted(out.parent.glob(f".{out.name}.*-*")):
        pid = folder.name.rsplit("-", 1)[-1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            if folder.name.startswith(f".{out.name}.old-") and not out.exists():
                os.rename(folder, out)
            else:
                shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass  # another user's live process


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


# Each photo is written in every format this Pillow encodes, best first; a <picture> offers them in this
# order and the browser takes the first it supports (the JPEG is the <img> itself, for every browser).
PHOTO_FORMATS = [(fmt, mime, ext, options) for fmt, mime, ext, options in (
    ("AVIF", "image/avif", "avif", dict(quality=55)),
    ("WEBP", "image/webp", "webp", dict(quality=78, method=6)),
) if features.check(fmt.lower())]
THUMB_WIDTH = 192  # the photo choices are drawn 96 CSS pixels wide: 2x for high-density screens


PHOTO_CACHE_VERSION = 1  # bump when the encoding below changes in a way the settings key does not show


def photo_settings():
    """Everything besides the photo's bytes that decides the encoded files: the cache key's other half."""
    import PIL
    return dict(version=PHOTO_CACHE_VERSION, pillow=PIL.__version__, widths=sorted({THUMB_WIDTH, *WEB_WIDTHS}),
                jpeg=dict(quality=82, optimize=True), resample="LANCZOS",
                formats=[[fmt, ext, options, features.version(fmt.lower())] for fmt, _, ext, options in PHOTO_FORMATS])


def photo_cache_key(photo):
    settings = json.dumps(photo_settings(), sort_keys=True)
    return hashlib.sha256(f"{photo.sha256}\n{settings}".encode()).hexdigest()[:32]


def encode_photo(image, folder):
    """Write {width}.jpg and {width}.{ext} for every width and format into folder (the slow part)."""
    for width in sorted({THUMB_WIDTH, *WEB_WIDTHS}):
        height = round(image.height * width / image.width)
        resized = image.resize((width, height), Image.Resampling.LANCZOS)
        resized.save(folder / f"{width}.jpg", "JPEG", quality=82, optimize=True)
        for fmt, _, ext, options in PHOTO_FORMATS:
            resized.save(folder / f"{width}.{ext}", fmt, **options)


def encoded_photo(photo, cache):
    """The folder holding the photo's encoded files: the cache's photos/<key>/ (encoded on a miss), or a
    fresh temporary folder when there is no cache. Returns (folder, kept): not kept, the caller deletes it."""
    if cache is None or not getattr(photo, "sha256", None):
        tmp = Path(tempfile.mkdtemp(prefix="photo-"))
        encode_photo(photo.image, tmp)
        return tmp, False

    def fill(folder):
        encode_photo(photo.image, folder)
        (folder / "done").write_text(json.dumps(photo_settings(), sort_keys=True))
    return cache.folder_memo("photos", photo_cache_key(photo), fill, last="done"), True


def write_photos(folder, photos, cache=None):
    """Each photo as JPEGs of WEB_WIDTHS (and THUMB_WIDTH) pixels wide, and the same in PHOTO_FORMATS;
    returns {id: {src, srcset, sources, thumb, thumb_sources, width, height}}, sources being
    [{type, srcset}] for a <picture>. With a cache (cache.Cache), encoded files are kept in its photos/<key>/
    (key: the photo file's sha256 and photo_settings()) and copied from there by later builds."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for photo in photos:
        source, kept = encoded_photo(photo, cache)
        written = {}  # width -> {extension: file name}
        for width in sorted({THUMB_WIDTH, *WEB_WIDTHS}):
            written[width] = {}
            for ext in ["jpg"] + [ext for _, _, ext, _ in PHOTO_FORMATS]:
                shutil.copyfile(source / f"{width}.{ext}", folder / f"{photo.id}-{width}.{ext}")
                written[width][ext] = f"{photo.id}-{width}.{ext}"
        if not kept:
            shutil.rmtree(source, ignore_errors=True)
        largest = WEB_WIDTHS[-1]
        height = round(photo.image.height * largest / photo.image.width)

        def srcset(ext, widths, written=written):
            return ", ".join(f"photos/{written[w][ext]} {w}w" for w in widths)
        out[photo.id] = dict(
            src=f"photos/{written[largest]['jpg']}", width=largest, height=height, srcset=srcset("jpg", WEB_WIDTHS),
            sources=[dict(type=mime, srcset=srcset(ext, WEB_WIDTHS)) for _, mime, ext, _ in PHOTO_FORMATS],
            thumb=f"photos/{written[THUMB_WIDTH]['jpg']}",
            thumb_sources=[dict(type=mime, srcset=f"photos/{written[THUMB_WIDTH][ext]}")
                           for _, mime, ext, _ in PHOTO_FORMATS])
    return out


def check_assets(templates_dir):
    """Refuse, by name, anything in templates/ that is not a file or folder of the repository: a symlink
    leading out of it (a merged pull request could publish a file of the build machine with it), a FIFO,
    a device. Cheap: the build calls it before any expensive work."""
    check_folder(templates_dir)


def copy_assets(templates_dir, site, node_modules, live=False):
    """The client (templates/assets) and the pinned Vega runtime, vendored: no CDN, ever; with live,
    live mode's runtime too (onnxruntime-web and the tokenizer library)."""
    check_assets(templates_dir)
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
