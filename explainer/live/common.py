"""Live mode's constants and the file entries every phase shares (see explainer/live/__init__.py)."""
import gzip
import hashlib
import shutil
from pathlib import Path

LIVE_VERSION = 9                               # bump when the export or the measurement changes
VARIANTS = ("int8", "int8-weights", "int8-weights-emb6", "int8-fp16", "fp16", "fp32")
TEXT_ONLY = {"int8-weights-emb6"}              # the vision tower has no token table
LOOKUP_BITS = 6                                # int8-weights-emb6: the token table's levels (see store_weights_int8)
# onnxruntime-web's session settings: the worker starts its sessions with these (from the manifest) and the build
# measures the parity with the same, in the same engine (webengine.mjs). No graph optimisation: each int8 weight
# stays int8 in memory and its Cast to float32 runs with every batch (no folded copy, no packed copy of it):
# about 230 MB less in Chromium for the full-size text tower, a text about 1.5x slower
# (bench/results-live-memory.md).
SESSION = {"graphOptimizationLevel": "disabled", "extra": {}}
MEASURED_LABELS = 1000                         # vocabulary labels measured under the default template
FP16_MIN_ELEMENTS = 1024                       # smaller weights (biases, norms) stay float32 in every variant


def variants(tower):
    return [v for v in VARIANTS if tower == "text" or v not in TEXT_ONLY]


def files_of(manifest):
    return [*tower_files(manifest["text"]), *tower_files(manifest["vision"]), manifest["tokenizer"],
            manifest["entities"]]


def tower_files(entry):
    """A tower's files as shipped (manifest entry): its graph, then its weights file (entry['data'])."""
    return [entry, entry["data"]] if "data" in entry else [entry]


def describe(path):
    data = Path(path).read_bytes()
    return dict(file=Path(path).name, bytes=len(data), gzip_bytes=len(gzip.compress(data, 6)),
                sha256=hashlib.sha256(data).hexdigest())


def copy_into(folder, source):
    target = folder / source.name
    shutil.copyfile(source, target)
    return target
