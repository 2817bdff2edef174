"""Which CLIP to use, where its files are, and a fingerprint of its weights.

Loading the network itself is deferred to embed.py, which only does it when the cache misses:
a prose-only rebuild never imports torch.
"""
import hashlib
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .cache import Cache
from .errors import BuildError
from .standin import SHAPES, STAND_IN_VERSION, make_stand_in

log = logging.getLogger(__name__)

DEFAULT_MODEL = "openai/clip-vit-base-patch32"
STAND_IN = "stand-in"
# the stand-ins by name: the build's own (ViT-B/32's shape) and a second of another shape (ViT-L/14's: 768-d,
# patch 14, a 16 x 16 grid) for building and testing a site with two models of different shapes
STAND_INS = {STAND_IN: "ViT-B/32", "stand-in-l14": "ViT-L/14"}
WEIGHT_FILE = "model.safetensors"
# A Hub repository may hold the weights as PyTorch's pickle instead: openai/clip-vit-base-patch32's branches do (its
# safetensors copy sits in an unmerged pull request). The build then converts it once into WEIGHT_FILE (converted),
# and its fingerprint stays the sha256 of the file the Hub serves, the digest its model page lists.
TORCH_WEIGHT_FILE = "pytorch_model.bin"
HOW_TO_FIX = (
    "The CLIP weights are not on this machine and cannot be downloaded. Either\n"
    "  - run the build once with network access (the weights are cached by Hugging Face), or\n"
    "  - point --model at a local copy written by save_pretrained (make build MODEL=/path/to/clip), or\n"
    "  - build with the untrained stand-in: make build MODEL=stand-in (its numbers are not CLIP's).")


# Where each model the site may carry comes from and under which licence (the models page and the notices say it):
# OpenAI released its CLIP weights with github.com/openai/CLIP, under the MIT licence; Hugging Face hosts them.
OPENAI_LICENCE = "MIT (OpenAI's CLIP repository, https://github.com/openai/CLIP, which released the weights)"
MODEL_SOURCES = {name: (f"https://huggingface.co/{name}", OPENAI_LICENCE) for name in (
    "openai/clip-vit-base-patch32", "openai/clip-vit-base-patch16", "openai/clip-vit-large-patch14")}
STAND_IN_SOURCE = ("made by this build (explainer/standin.py): untrained, seeded random weights, not CLIP's",
                   "MIT, this project's (LICENSE)")


def model_source(model_files):
    """(source, licence) of a model for the page and the notices: a stand-in's, a known hub model's, or what the
    build can say of any other (its hub page, or a local folder by its name: its licence is its provider's)."""
    if model_files.stand_in:
        return STAND_IN_SOURCE
    if model_files.name in MODEL_SOURCES:
        return MODEL_SOURCES[model_files.name]
    if Path(str(model_files.folder)).name == model_files.name and "/" not in model_files.name:
        return f"a local checkpoint (folder {model_files.name})", "not known to the build: see its provider"
    return f"https://huggingface.co/{model_files.name}", "see its model card on Hugging Face"


CONFIG_FILE = "config.json"
# CLIPConfig's defaults (ViT-B/32): what transformers assumes when a config.json leaves a size out
CLIP_DEFAULTS = dict(projection_dim=512, max_position_embeddings=77, image_size=224, patch_size=32)


@dataclass(frozen=True)
class ModelShape:
    """The sizes of one CLIP checkpoint, read from its config.json: nothing in the build assumes ViT-B/32."""
    dim: int             # projection dimension both towers end in: 512 for ViT-B/32 and B/16, 768 for L/14
    context_length: int  # text positions, start and end tokens included: 77 for OpenAI's CLIPs
    image_size: int      # pixels per side of the vision tower's (square) input: 224, or 336 for L/14@336
    patch_size: int      # pixels per side of one patch: 32, 16 or 14

    @property
    def patches_per_side(self):
        return self.image_size // self.patch_size


@dataclass(frozen=True)
class ModelFiles:
    name: str          # what the page shows: the hub id, the folder's own name (never its path), or "stand-in"
    folder: Path       # a save_pretrained folder: config, weights, tokenizer, preprocessor
    fingerprint: str   # sha256 of the weight file, hex
    stand_in: bool
    shape: ModelShape  # dimension, context length, image and patch size, from the folder's config.json
    revision: str | None = None  # the Hub commit settings.yaml pinned it to (check_pin); None: unpinned or local

    @property
    def logit_scale(self):
        """The learned logit scale (ln 100 for trained CLIP), read from the weights without torch."""
        from safetensors import safe_open
        with safe_open(self.folder / WEIGHT_FILE, framework="numpy") as weights:
            return float(weights.get_tensor("logit_scale"))


class ModelUnavailable(BuildError):
    """The requested model cannot be had: not cached and not downloadable."""


def resolve_model(name, cache, pin=None):
    """Find (or make, for the stand-in) the model's folder and fingerprint its weights. cache: a Cache, or
    its folder. pin: settings.yaml's settings.ModelPin for this name, if any (check_pin)."""
    cache = cache if isinstance(cache, Cache) else Cache(cache)
    revision = pin.revision if pin else None
    if revision and (name in STAND_INS or Path(name).is_dir()):
        what = "a stand-in" if name in STAND_INS else "a local folder"
        raise BuildError(f"models: {name!r} is {what}, which has no revision (a revision names a commit of a "
                         "Hugging Face repository); remove revision, or pin its weights by sha256 alone",
                         pin.path, pin.revision_line)
    if name in STAND_INS:
        folder = cache.path("models", f"{name}-v{STAND_IN_VERSION}")
        if not (folder / "STAND_IN").exists():
            make_stand_in(folder, **SHAPES[STAND_INS[name]])
        return check_pin(ModelFiles(name, folder, fingerprint(folder, cache), True, read_shape(folder)), pin)
    if Path(name).is_dir():
        folder = Path(name)
        shape = read_shape(folder)
        if not (folder / WEIGHT_FILE).exists():
            raise BuildError(f"no {WEIGHT_FILE} in this folder; expected a save_pretrained checkpoint", folder)
        # the page names a local checkpoint by its folder's name, never by a path of the build machine
        return check_pin(ModelFiles(folder.resolve().name, folder, fingerprint(folder, cache),
                                    (folder / "STAND_IN").exists(), shape), pin)
    snapshot = download(name, revision)
    weights = snapshot / WEIGHT_FILE if (snapshot / WEIGHT_FILE).exists() else snapshot / TORCH_WEIGHT_FILE
    digest = cache.by_file("fingerprints.json", weights, sha256_of)
    check_download(name, weights, digest)
    folder = snapshot if weights.name == WEIGHT_FILE else converted(snapshot, weights, cache, digest)
    files = ModelFiles(name, folder, digest, False, read_shape(folder), revision)
    # what an author copies into settings.yaml to pin it (docs/authoring.md): the hub cache's folder is the commit
    log.info(f"model {name}: revision {snapshot.name}, sha256 {digest} ({weights.name})")
    return check_pin(files, pin)


def check_download(name, weights, digest):
    """The weights as the Hub served them, pinned or not: its cache keeps each file as blobs/<etag> (the snapshot's
    file links there), and a large (LFS) file's etag is its sha256, so a damaged or cut download is caught here."""
    served = weights.resolve().name
    if re.fullmatch(r"[0-9a-f]{64}", served) and served != digest:
        raise BuildError(f"the weights of {name!r} ({weights.name}) are damaged: their sha256 is {digest}, the Hub's "
                         f"is {served}; delete {weights.resolve()} and build again to download them anew", weights)


def converted(snapshot, weights, cache, digest):
    """A checkpoint folder like the Hub snapshot's, its PyTorch weights (pytorch_model.bin) written as WEIGHT_FILE
    (the build reads its header without torch, and so do the live export and the parameter counts), made once per
    weights' digest in the cache (models/converted-<digest>/); the snapshot's small files are copied beside it."""
    folder = cache.path("models", f"converted-{digest[:16]}")
    if (folder / WEIGHT_FILE).exists():
        return folder
    import torch
    from safetensors.torch import save_file
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for path in snapshot.iterdir():
        if path.suffix in (".json", ".txt"):
            shutil.copyfile(path, partial / path.name)
    state = torch.load(weights, map_location="cpu", weights_only=True)  # tensors only: no code runs
    # one storage per tensor, as safetensors wants (a pickle may share storage between views)
    save_file({key: tensor.contiguous().clone() for key, tensor in state.items()}, partial / WEIGHT_FILE,
              metadata={"format": "pt"})
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)  # whole or absent: a build stopped half-way converts again
    return folder


def check_pin(model_files, pin):
    """The model's weights as settings.yaml pinned them (its sha256), else a BuildError naming the entry."""
    if pin and pin.sha256 and model_files.fingerprint != pin.sha256:
        raise BuildError(f"models: the weights of {model_files.name!r} do not match the pinned "
                         f"sha256\n  expected {pin.sha256}\n  actual   {model_files.fingerprint}\nThe file changed "
                         "(another revision, a new download, a damaged copy); if the new weights are the ones "
                         "wanted, copy the actual digest into settings.yaml", pin.path, pin.sha256_line)
    return model_files


def read_shape(folder):
    """The checkpoint's sizes from its config.json; a folder that is not a CLIP checkpoint is a BuildError."""
    path = Path(folder) / CONFIG_FILE
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(f"not a CLIP checkpoint: no {CONFIG_FILE} (expected a folder written by "
                         "CLIPModel.save_pretrained)", folder) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BuildError(f"cannot read {CONFIG_FILE}: {error}", path) from None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if model_type != "clip":
        raise BuildError(f"not a CLIP checkpoint: {CONFIG_FILE} has model_type {model_type!r}, expected 'clip' "
                         "(a folder written by CLIPModel.save_pretrained)", folder)
    text, vision = config.get("text_config") or {}, config.get("vision_config") or {}
    sizes = dict(dim=config.get("projection_dim", CLIP_DEFAULTS["projection_dim"]),
                 context_length=text.get("max_position_embeddings", CLIP_DEFAULTS["max_position_embeddings"]),
                 image_size=vision.get("image_size", CLIP_DEFAULTS["image_size"]),
                 patch_size=vision.get("patch_size", CLIP_DEFAULTS["patch_size"]))
    for key, value in sizes.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise BuildError(f"{CONFIG_FILE}: {key} must be a positive integer, not {value!r}", path)
    return ModelShape(**sizes)


def download(repo_id, revision=None):
    """The hub snapshot's folder (of the commit `revision`, else the newest) with its weights, WEIGHT_FILE or else
    TORCH_WEIGHT_FILE (only the first is fetched when the repository has it): from the local cache, else one quick
    try online, else a clear error."""
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "10")      # fail in seconds, not minutes, when offline
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "30")
    from huggingface_hub import snapshot_download
    for local in (True, False):
        try:
            folder = Path(snapshot_download(repo_id, revision=revision, allow_patterns=["*.json", "*.txt",
                                                                                       WEIGHT_FILE],
                                            local_files_only=local))
            if not (folder / WEIGHT_FILE).exists():
                folder = Path(snapshot_download(repo_id, revision=revision, allow_patterns=[TORCH_WEIGHT_FILE],
                                                local_files_only=local))
            if (folder / WEIGHT_FILE).exists() or (folder / TORCH_WEIGHT_FILE).exists():
                return folder
            error = FileNotFoundError(f"neither {WEIGHT_FILE} nor {TORCH_WEIGHT_FILE}")
        except Exception as failure:
            error = failure
    raise ModelUnavailable(f"cannot load model {repo_id!r} ({type(error).__name__}).\n{HOW_TO_FIX}") from None


def fingerprint(folder, cache):
    """sha256 of the weights, remembered by (path, size, mtime) so big files are hashed once."""
    return cache.by_file("fingerprints.json", folder / WEIGHT_FILE, sha256_of)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
