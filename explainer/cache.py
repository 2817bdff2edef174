"""The build's cache (.cache/ by default), shared by builds and kept between them.

Every cached step goes through Cache: `memo(kind, key, compute)` reads the entry kind/<key> when it is there and
readable, else runs compute() and stores its result with write_atomic (a temporary name beside the entry, then
os.replace), so a killed build never leaves half an entry and a damaged one is simply computed again;
`by_file(memo, path, compute)` remembers a value per file by (path, size, mtime), so a big file is read once.
The keys are digests of the exact inputs, made by each step (cache_key below for the embeddings).

The embeddings are the one store of many small entries: EmbeddingCache (model fingerprint + exact input ->
vector). Each build that computed something new appends one shard (an .npz, written by write_atomic). A shard
that cannot be read is skipped with a warning and its entries are computed again.
"""
import hashlib
import json
import logging
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
MAX_SHARDS = 8  # past this many, all shards are merged into one
UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)  # a missing or damaged entry: a miss


def write_atomic(path, content, sync=False):
    """Write path whole or not at all. content: bytes, str (written as UTF-8), or a function that fills the
    temporary path it is given (a file or a folder; a folder replaces the old one). sync: on disk before the
    rename (for entries that took long to compute)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    remove(tmp)  # a killed build's, with this process's id
    try:
        if callable(content):
            content(tmp)
        elif isinstance(content, str):
            tmp.write_text(content, encoding="utf-8")
        else:
            tmp.write_bytes(content)
        if sync and tmp.is_file():
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
        if tmp.is_dir():
            remove(path)  # os.replace cannot put a folder over a non-empty one
        os.replace(tmp, path)
    finally:
        remove(tmp)


def remove(path):
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


class Cache:
    """The cache folder. Each step names its entries kind/<key>; the key is a digest of the step's inputs."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def path(self, *parts):
        return self.folder.joinpath(*parts)

    def memo(self, kind, key, compute, load=read_json, dump=json.dumps):
        """The value stored at kind/<key>, or compute()'s, stored there first. load(path) reads an entry (a
        missing or damaged one raises one of UNREADABLE: a miss); dump(value) is what write_atomic writes
        (default: the value as JSON). A miss, too, returns what load reads back: a cold build and a warm one
        go on from the same bytes."""
        path = self.path(kind, key)
        try:
            return load(path)
        except UNREADABLE:
            pass
        value = compute()
        try:
            write_atomic(path, dump(value))
        except OSError:
            if not path.exists():  # not an entry that another build stored first (a folder's race)
                raise
        return load(path)

    def folder_memo(self, kind, key, fill, last):
        """A memo whose entry is a folder: fill(folder) writes its files on a miss, `last` of them last (its
        presence says the entry is whole). Returns the entry's path."""
        def load(path):
            (path / last).stat()  # FileNotFoundError: a miss
            return path

        def write(tmp):
            tmp.mkdir()
            fill(tmp)
        return self.memo(kind, key, lambda: write, load, dump=lambda write: write)

    def by_file(self, memo, path, compute):
        """compute(path), remembered in the JSON file `memo` under (path, size, mtime): big files are read once."""
        memo_path = self.path(memo)
        try:
            known = read_json(memo_path)
        except UNREADABLE:
            known = {}
        stat = Path(path).stat()
        key = f"{Path(path).resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
        if key not in known:
            known[key] = compute(path)
            write_atomic(memo_path, json.dumps(known, indent=1))
        return known[key]


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
        except UNREADABLE as error:
            log.warning(f"ignoring unreadable cache shard {shard} ({error}); its vectors will be recomputed")
            return
        for key, vector, second in zip(map(bytes, keys), vectors, seconds.tolist(), strict=True):
            self.vectors[key] = vector
            self.seconds[key] = second

    def __contains__(self, key):
        return key in self.vectors

    def get(self, key):
        return self.vectors[key]

    def put(self, keys, vectors, seconds):
        """Remember new vectors: keys (n,), vectors (n, dim) float32, seconds (n,)."""
        for key, vector, second in zip(keys, vectors, seconds, strict=True):
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

        def write(tmp):
            with open(tmp, "wb") as f:
                np.savez(f, keys=np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(-1, 32),  # (n, 32) digests
                         vectors=np.stack([self.vectors[k] for k in keys]),                     # (n, dim)
                         seconds=np.array([self.seconds[k] for k in keys], dtype=np.float64))
        write_atomic(path, write, sync=True)
        for shard in old:
            if shard != path:
                shard.unlink(missing_ok=True)
        self.shards = sorted(self.folder.glob("shard-*.npz"))
        self.fresh = []
