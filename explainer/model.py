"""Which CLIP to use, where its files are, and a fingerprint of its weights.

Loading the network itself is deferred to embed.py, which only does it when the cache misses:
a prose-only rebuild never imports torch.
"""
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError
from .standin import STAND_IN_VERSION, make_stand_in

DEFAULT_MODEL = "openai/clip-vit-base-patch32"
STAND_IN = "stand-in"
WEIGHT_FILE = "model.safetensors"
HOW_TO_FIX = (
    "The CLIP weights are not on this machine and cannot be downloaded. Either\n"
    "  - run the build once with network access (the weights are cached by Hugging Face), or\n"
    "  - point --model at a local copy written by save_pretrained (make build MODEL=/path/to/clip), or\n"
    "  - build with the untrained stand-in: make build MODEL=stand-in (its numbers are not CLIP's).")


@dataclass(frozen=True)
class ModelFiles:
    name: str          # what the footer shows: the hub id, the folder, or "stand-in"
    folder: Path       # a save_pretrained folder: config, weights, tokenizer, preprocessor
    fingerprint: str   # sha256 of the weight file, hex
    stand_in: bool

    @property
    def logit_scale(self):
        """The learned logit scale (ln 100 for trained CLIP), read from the weights without torch."""
        from safetensors import safe_open
        with safe_open(self.folder / WEIGHT_FILE, framework="numpy") as weights:
            return float(weights.get_tensor("logit_scale"))


class ModelUnavailable(BuildError):
    """The requested model cannot be had: not cached and not downloadable."""


def resolve_model(name, cache_dir):
    """Find (or make, for the stand-in) the model's folder and fingerprint its weights."""
    cache_dir = Path(cache_dir)
    if name == STAND_IN:
        folder = cache_dir / "models" / f"stand-in-v{STAND_IN_VERSION}"
        if not (folder / "STAND_IN").exists():
            make_stand_in(folder)
        return ModelFiles(STAND_IN, folder, fingerprint(folder, cache_dir), True)
    if Path(name).is_dir():
        folder = Path(name)
        if not (folder / WEIGHT_FILE).exists():
            raise BuildError(f"no {WEIGHT_FILE} in this folder; expected a save_pretrained checkpoint", folder)
        return ModelFiles(name, folder, fingerprint(folder, cache_dir), (folder / "STAND_IN").exists())
    folder = download(name)
    return ModelFiles(name, folder, fingerprint(folder, cache_dir), False)


def download(repo_id):
    """The hub snapshot's folder: from the local cache, else one quick try online, else a clear error."""
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "10")      # fail in seconds, not minutes, when offline
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "30")
    from huggingface_hub import snapshot_download
    patterns = ["*.json", "*.txt", "model.safetensors"]
    try:
        return Path(snapshot_download(repo_id, allow_patterns=patterns, local_files_only=True))
    except Exception:
        pass
    try:
        return Path(snapshot_download(repo_id, allow_patterns=patterns))
    except Exception as error:
        raise ModelUnavailable(f"cannot load model {repo_id!r} ({type(error).__name__}).\n{HOW_TO_FIX}") from None


def fingerprint(folder, cache_dir):
    """sha256 of the weights, remembered by (path, size, mtime) so big files are hashed once."""
    weights = folder / WEIGHT_FILE
    stat = weights.stat()
    memo_path = Path(cache_dir) / "fingerprints.json"
    try:
        memo = json.loads(memo_path.read_text())
    except (OSError, ValueError):
        memo = {}
    key = f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    if key not in memo:
        digest = hashlib.sha256()
        with open(weights, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        memo[key] = digest.hexdigest()
        memo_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(memo, indent=1, sort_keys=True))
        os.replace(tmp, memo_path)
    return memo[key]
