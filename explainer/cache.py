"""The embedding cache: model fingerprint + exact input -> vector, kept on disk between builds.

Each build that computed something new appends one shard (an .npz written to a temporary name and
renamed, so a killed build leaves no half-written shard behind). A shard that cannot be read is
skipped with a warning and its entries are simply computed again.
"""
import hashlib
import os
import sys
import zipfile
from pathlib import Path

import numpy as np

MAX_SHARDS = 8  # past this many, all shards are merged into one


def cache_key(*parts):
    """A 32-byte digest of the exact input, e.g. ("text", "a photo of a cat.")."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).digest()


class EmbeddingCache:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.vectors = {}   # key -> (dim,) float32, unit norm
        self.seconds = {}   # key -> model seconds it took to compute (per item)
        self.fresh = []     # keys computed during this build, not yet saved
        self.shards = sorted(self.folder.glob("shard-*.npz")) if self.folder.exists() else []
        for shard in self.shards:
            self._load(shard)

    def _load(self, shard):
        try:
            with np.load(shard, allow_pickle=False) as data:
                keys, vectors, seconds = data["keys"], data["vectors"], data["seconds"]
            if keys.shape[1:] != (32,) or vectors.ndim != 2 or len(keys) != len(vectors) != len(seconds):
                raise ValueError("inconsistent shapes")
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            print(f"warning: ignoring unreadable cache shard {shard} ({error}); its vectors will be recomputed",
                  file=sys.stderr)
            return
        for key, vector, second in zip(map(bytes, keys), vectors, seconds.tolist()):
            self.vectors[key] = vector
            self.seconds[key] = second

    def __contains__(self, key):
        return key in self.vectors

    def get(self, key):
        return self.vectors[key]

    def put(self, keys, vectors, seconds):
        """Remember new vectors: keys (n,), vectors (n, dim) float32, seconds (n,)."""
        for key, vector, second in zip(keys, vectors, seconds):
            self.vectors[key] = np.asarray(vector, dtype=np.float32)
            self.seconds[key] = float(second)
            self.fresh.append(key)

    def save(self):
        """Write this build's new entries as one shard; merge all shards when there are too many."""
        if not self.fresh:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if len(self.shards) + 1 > MAX_SHARDS:
            keys, old = list(self.vectors), self.shards
        else:
            keys, old = self.fresh, []
        digest = hashlib.sha256(b"".join(sorted(keys))).hexdigest()[:16]
        path = self.folder / f"shard-{digest}.npz"
        tmp = self.folder / f"shard-{digest}.tmp"
        with open(tmp, "wb") as f:
            np.savez(f, keys=np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(-1, 32),  # (n, 32) digests
                     vectors=np.stack([self.vectors[k] for k in keys]),                     # (n, dim)
                     seconds=np.array([self.seconds[k] for k in keys], dtype=np.float64))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        for shard in old:
            if shard != path:
                shard.unlink(missing_ok=True)
        self.shards = sorted(self.folder.glob("shard-*.npz"))
        self.fresh = []
