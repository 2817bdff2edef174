"""Live mode's build step, the four phases in order: export (and shrink), measure, choose."""
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from ..embed import cache_namespace
from ..errors import BuildError
from .choose import choose
from .common import LIVE_VERSION, describe
from .export import export, quiet
from .measure import label_groups, measure, measured_texts

log = logging.getLogger(__name__)
ASSETS = Path(__file__).resolve().parents[2] / "templates" / "assets" / "live"  # the page's tokenizer modules


@dataclass
class Live:
    folder: Path      # the cache folder holding every file listed in manifest
    manifest: dict    # what site/live/manifest.json says


def make_live(content, model_files, embeddings, cache, node_modules):
    """Export, shrink, measure and choose, from the cache when it can. Returns Live, or None when the
    settings turn live mode off."""
    settings = content.settings["live"]  # checked by content.read_live_settings
    if not settings["enabled"]:
        return None
    kind = f"live/{live_key(model_files, settings)}"
    folder = cache.path(kind)
    texts, reference = measured_texts(content, embeddings)
    runtime = runtime_sizes(node_modules, cache)
    # the measurement's inputs: the texts, the photos and the engine that runs them (the parity is its numbers)
    inputs = hashlib.sha256(json.dumps([texts, [p.sha256 for p in content.photos], engine_key(node_modules)])
                            .encode()).hexdigest()[:16]

    def make_manifest():
        try:
            with quiet():
                export(model_files, folder)
        except Exception as error:  # the exporter's failures are long tracebacks; say what to do instead
            raise BuildError(f"live mode: exporting the model to ONNX failed ({type(error).__name__}: "
                             f"{str(error).splitlines()[0] if str(error) else ''}); build without live mode with "
                             "`make build LIVE=0` or `live: enabled: false` in content/settings.yaml",
                             model_files.folder) from error
        parity = measure(folder, model_files, content, texts, reference, embeddings.image, settings["near_tie"],
                         node_modules)
        return choose(folder, model_files, settings, parity, texts, len(label_groups(content)[0]))
    manifest = cache.memo(kind, f"manifest-{inputs}.json", make_manifest, dump=lambda m: json.dumps(m, indent=1))
    manifest["runtime"] = runtime
    manifest["ensemble_templates"] = list(content.ensemble_templates)  # the page embeds a live label under each
    manifest["download"]["text"] = manifest["download"]["text_model"] + manifest["runtime"]["gzip_bytes"]
    for tower in ("text", "vision"):
        chosen = manifest[tower]
        log.info(f"  live: {tower} tower {chosen['variant']}, {chosen['bytes'] / 1e6:.1f} MB "
            f"({chosen['gzip_bytes'] / 1e6:.1f} MB gzip), {describe_parity(chosen['parity'])}")
    towers = manifest["vision"]["parity"].get("towers")
    if towers:
        log.info(f"  live: the vision tower's attention, rollout and lens (towers figures): max |error| "
                 f"{towers['attention_max_error']:.2e}, {towers['rollout_max_error']:.2e}, "
                 f"{towers['lens_max_cosine_error']:.2e} (a lens cosine)"
                 f"{'' if towers['ok'] else ', over the bound: the page shows built-in photos only'}")
    words = manifest["text"]["parity"].get("towers")
    if words:
        log.info(f"  live: the text tower's end-token attention (text-attention figure): max |error| "
                 f"{words['attention_max_error']:.2e}"
                 f"{'' if words['ok'] else ', over the bound: the page shows the default labels only'}")
    return Live(folder, manifest)


def describe_parity(p):
    """One line for the build log and the bench: the error, the agreement, and what the near-ties did."""
    return (f"max |cosine error| {p['max_cosine_error']:.2e}, top-1 agreement {p['top1_agreement']:.1%} "
            f"of {p['decided']} predictions ({p['near_ties']} near-ties left out, "
            f"{p['near_tie_flips']} of them flipped)")




def runtime_sizes(node_modules, cache):
    """Bytes of live mode's runtime (write.LIVE_VENDOR: onnxruntime-web and the tokenizer library), raw and
    gzip, remembered by (path, size, mtime): the wasm file is 14 MB and gzipping it takes a moment."""
    from ..write import LIVE_VENDOR
    total = dict(bytes=0, gzip_bytes=0, files=[])
    for source in LIVE_VENDOR:
        path = Path(node_modules) / source
        if not path.exists():
            raise BuildError("live mode's pinned runtime is missing; run `npm ci` (make build does)", path)
        sizes = cache.by_file("live/runtime-sizes.json", path, describe)
        total["bytes"] += sizes["bytes"]
        total["gzip_bytes"] += sizes["gzip_bytes"]
        if source.endswith(".wasm"):  # fetched (and checked) by the worker; the .mjs files are imported
            total["files"].append({**sizes, "file": LIVE_VENDOR[source]})
    return total


def live_key(model_files, settings):
    """The cache folder's name: weights, tokenizer and preprocessing files, bounds and this module's version."""
    text = json.dumps([cache_namespace(model_files), settings, LIVE_VERSION], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def engine_key(node_modules):
    """What the measured numbers depend on besides the files: onnxruntime-web's and the tokenizer library's
    versions, the page's tokenizer and cleaning modules, the Node script that drives them and the measure phase."""
    packages = [json.loads((Path(node_modules) / name / "package.json").read_text())["version"]
                for name in ("onnxruntime-web", "@huggingface/tokenizers")]
    scripts = [ASSETS / "tokenize.js", ASSETS / "clean.js", Path(__file__).with_name("webengine.mjs"),
               Path(__file__).with_name("measure.py")]
    return [packages, [hashlib.sha256(path.read_bytes()).hexdigest() for path in scripts]]
