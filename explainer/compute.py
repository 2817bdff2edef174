"""Stage 3, compute: every number the page shows, from the vectors exactly as the page receives them.

The page gets float16 vectors, so the build first rounds its vectors the same way and then computes in
float32: what Python stores and what the browser recomputes start from identical inputs.

compute() gives the Numbers of every (photo, template, temperature) for the default labels;
compute_figures() gives the data of the last figures: the ModalityGap, each vocabulary label's nearest
labels (LabelNeighbours, cached by their inputs: a (V, V) matmul per template) and the crowding example.
"""
import base64
import hashlib
import os
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Numbers:
    image: np.ndarray          # (n_photos, dim) float32, float16-rounded: what the page decodes
    text: np.ndarray           # (n_templates, n_vocab, dim) float16: what the page decodes
    label_index: np.ndarray    # (n_labels,) rows of the default labels in the vocabulary
    similarities: np.ndarray   # (n_photos, n_templates, n_labels) cosine similarity of the default labels
    probabilities: np.ndarray  # (n_photos, n_templates, n_tau, n_labels) softmax(sim / tau)
    entropy: np.ndarray        # (n_photos, n_templates, n_tau) in nats


def as_stored(vectors):
    """Round to float16 and back: the values the page will decode."""
    return np.asarray(vectors, dtype=np.float16).astype(np.float32)


def encode_vectors(vectors):
    """(..., dim) float -> base64 of little-endian float16, the page's vector format."""
    return base64.b64encode(np.ascontiguousarray(vectors, dtype="<f2").tobytes()).decode("ascii")


def cosines(vectors, unit):
    """The cosine of each unit vector with one unit vector: (n, dim) @ (dim,) -> (n,), in their dtype (the page's
    clipmath.js similarities; render.py's first paint and the crowding figure use this one)."""
    return vectors @ unit


def softmax(scores, tau):
    """softmax over the last axis of scores / tau; the max is subtracted so exp cannot overflow."""
    z = (scores - scores.max(axis=-1, keepdims=True)) / tau
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def entropy(probabilities):
    """Shannon entropy in nats over the last axis (0 log 0 counts as 0)."""
    p = np.asarray(probabilities, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(axis=-1)


def compute(content, embeddings):
    image = as_stored(embeddings.image)                      # (P, dim)
    text = embeddings.text.astype(np.float16)                # (T, V, dim), kept as the page's float16
    where = {label: i for i, label in enumerate(content.vocabulary)}
    label_index = np.array([where[label] for label in content.default_labels])
    labels = text[:, label_index].astype(np.float32)         # (T, L, dim)
    sims = np.einsum("pd,tld->ptl", image, labels).astype(np.float32)         # (P, T, L)
    taus = content.temperatures.astype(np.float32)           # (n_tau,)
    probs = softmax(sims[:, :, None, :], taus[None, None, :, None]).astype(np.float32)  # (P, T, n_tau, L)
    return Numbers(image, text, label_index, sims, probs, entropy(probs).astype(np.float32))


CLOUD_SIZE = 500  # vocabulary labels drawn faintly behind the modality-gap figure
NEIGHBOURS = 5    # near-synonyms per label for the label-crowding figure


@dataclass
class ModalityGap:
    """The modality-gap figure: a 2-D PCA plane of photos and label texts under one template."""
    template: str               # template id the plane was fitted under (the default template)
    mean: np.ndarray            # (dim,) float16-rounded: the page subtracts it before projecting
    components: np.ndarray      # (2, dim) float16-rounded: the plane's two directions
    cloud_names: list           # (n_cloud,) vocabulary labels drawn faintly behind
    cloud_points: np.ndarray    # (n_cloud, 2) float16-rounded, as the page receives them
    image_points: np.ndarray    # (n_photos, 2)
    cosine_photos: float        # mean cosine between two different photos
    cosine_labels: float        # mean cosine between two different default labels' texts (default template)
    cosine_between: float       # mean cosine between a photo and a default label's text


@dataclass
class LabelNeighbours:
    """Every vocabulary label's nearest other labels by text cosine, under each template."""
    index: np.ndarray           # (n_templates, n_vocab, k) int32 vocabulary rows, nearest first (ties: lower row)
    digests: np.ndarray         # (n_templates, n_vocab) uint64 digest of each text vector (cache keys)
    image: np.ndarray           # (n_photos, dim) float32, as in Numbers
    text: np.ndarray            # (n_templates, n_vocab, dim) float16, as in Numbers
    _shown: dict = field(default_factory=dict, repr=False)  # (template, row) -> [cosine per photo, 4 decimals]

    def photo_cosines(self, template_index, row):
        """[cosine of each photo to one label's text, 4 decimals]: what the crowding figure adds."""
        key = (template_index, row)
        if key not in self._shown:
            values = cosines(self.image, self.text[template_index, row].astype(np.float32))  # (n_photos,)
            self._shown[key] = [round(v, 4) for v in values.tolist()]
        return self._shown[key]

    def rows(self, vocabulary, template_index, label_index):
        """One label's near-synonyms under one template, as the crowding figure reads them:
        [[neighbour, [cosine to each photo, 4 decimals]], ...], nearest first."""
        return [[vocabulary[j], self.photo_cosines(template_index, j)]
                for j in self.index[template_index, label_index].tolist()]


@dataclass
class Figures:
    gap: ModalityGap
    neighbours: LabelNeighbours
    crowding: dict              # {template id: {default label: [[neighbour, [cosine per photo]], ...]}}
    crowding_example: dict      # the default view's worked example: {label, added: [[near-synonym, similarity]]}


def compute_figures(content, numbers, default, cache):
    """The data of the modality-gap and label-crowding figures for the default view (pipeline.View)."""
    p, t, _ = default.index
    gap = modality_gap(numbers, content.vocabulary, t, content.templates[t].id)
    neighbours = label_neighbours(numbers, content.vocabulary, [template.id for template in content.templates],
                                  cache)
    crowding = {template.id: {label: neighbours.rows(content.vocabulary, i, index)
                              for label, index in zip(content.default_labels, numbers.label_index, strict=True)}
                for i, template in enumerate(content.templates)}
    example = crowding_example(content, numbers, crowding[content.templates[t].id], p, t)
    return Figures(gap, neighbours, crowding, example)


def modality_gap(numbers, vocabulary, template_index, template_id):
    """A 2-D PCA of the photos' and texts' vectors, for the modality-gap figure.

    The basis comes from the image vectors and a cloud of vocabulary labels (evenly spaced through the
    vocabulary) under one template; the page projects the reader's labels onto the same basis.
    """
    step = max(1, len(vocabulary) // CLOUD_SIZE)
    cloud_index = np.arange(0, len(vocabulary), step)[:CLOUD_SIZE]
    texts = numbers.text[template_index, cloud_index].astype(np.float32)   # (n_cloud, dim)
    points = np.concatenate([numbers.image, texts])                          # (n_photos + n_cloud, dim)
    mean = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - mean, full_matrices=False)
    components = vt[:2]                                                       # (2, dim)
    components *= np.sign(components.sum(axis=1, keepdims=True))              # a fixed orientation
    mean, components = as_stored(mean), as_stored(components)
    project = lambda v: (v - mean) @ components.T                              # noqa: E731  (n, dim) -> (n, 2)
    cloud = as_stored(project(texts))                                          # as the page receives it
    images = numbers.image                                                     # (n_photos, dim)
    labels = numbers.text[template_index, numbers.label_index].astype(np.float32)  # (n_labels, dim)
    within = lambda a: float((a @ a.T)[~np.eye(len(a), dtype=bool)].mean())  # noqa: E731
    return ModalityGap(template_id, mean, components, [vocabulary[i] for i in cloud_index], cloud, project(images),
                       cosine_photos=within(images), cosine_labels=within(labels),
                       cosine_between=float((images @ labels.T).mean()))


NEIGHBOURS_VERSION = 1  # bump when the selection below changes, so cached neighbours are recomputed
NEIGHBOUR_ENTRIES = 8  # cached neighbour tables kept per template id (one per vocabulary state)


def label_neighbours(numbers, vocabulary, template_ids, cache, k=NEIGHBOURS):
    """Each label's k nearest labels under each template. The (V, V) products are cached per template by
    their inputs (each label and a digest of its vector); after labels are only added, the cached table is
    extended with the new labels' rows instead of recomputed."""
    digests = row_digests(numbers.text)                                      # (T, V) uint64
    index = np.stack([template_neighbours(text, vocabulary, row_digest, k, cache, f"neighbours/{template_id}")
                      for text, row_digest, template_id
                      in zip(numbers.text, digests, template_ids, strict=True)])  # (T, V, k)
    return LabelNeighbours(index, digests, numbers.image, numbers.text)


def row_digests(text):
    """(T, V, dim) float16 -> (T, V) uint64: a 64-bit digest of each vector's bytes (a fixed random odd
    multiplier per 8-byte word, summed modulo 2^64: two different vectors share one with odds ~2^-64)."""
    rows = np.ascontiguousarray(text, dtype="<f2").reshape(-1, text.shape[-1])         # (T * V, dim)
    pad = -rows.shape[1] % 4                                                           # whole 8-byte words
    words = np.pad(rows, ((0, 0), (0, pad))).view("<u8")                               # (T * V, dim / 4)
    multipliers = np.random.default_rng(20210226).integers(0, 2**63, words.shape[1], dtype=np.uint64) * 2 + 1
    with np.errstate(over="ignore"):
        return (words * multipliers).sum(axis=1, dtype=np.uint64).reshape(text.shape[:2])


def template_neighbours(text, vocabulary, digests, k, cache, kind):
    """(V, dim) float16 vectors of one template -> (V, min(k, V - 1)) int32 nearest rows, from the cache,
    by extending a cached table of a vocabulary it contains, or computed. kind: this template's tables."""
    identity = [f"{name}\0{digest:016x}" for name, digest in zip(vocabulary, digests.tolist(), strict=True)]
    key = hashlib.sha256(f"{NEIGHBOURS_VERSION}|{k}|".encode() + "\n".join(identity).encode()).hexdigest()[:32]
    folder = cache.path(kind)

    def load(path):
        with np.load(path) as cached:
            index = cached["index"]
        os.utime(path)  # recently used: pruned last
        return index

    def table():
        vectors = text.astype(np.float32)                                    # (V, dim)
        return extend_neighbours(folder, identity, vectors, k) or nearest_rows(vectors, k)

    def dump(table):
        def write(tmp):
            with open(tmp, "wb") as f:
                np.savez(f, identity=np.array(identity), index=table[0], values=table[1])
        return write
    index = cache.memo(kind, f"{key}.npz", table, load, dump)
    for old in sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)[NEIGHBOUR_ENTRIES:]:
        old.unlink(missing_ok=True)
    return index


def extend_neighbours(folder, identity, vectors, k, tries=8):
    """A cached table whose labels (with unchanged vectors) are all still here, extended with the added
    labels: theirs computed in full, the others' merged from their old k and the added labels.
    Returns (index, values) like nearest_rows, or None when no cached table fits."""
    position = {label: i for i, label in enumerate(identity)}
    k = min(k, len(identity) - 1)
    for path in sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)[:tries]:
        try:
            with np.load(path) as cached:
                old_identity, old_index, old_values = cached["identity"], cached["index"], cached["values"]
        except (OSError, ValueError, KeyError, EOFError):
            continue
        old_rows = np.array([position.get(label, -1) for label in old_identity.tolist()], dtype=np.int64)
        added = np.setdiff1d(np.arange(len(identity)), old_rows)
        if (old_rows < 0).any() or old_index.shape[1] != k or not 0 < len(added) <= len(identity) // 4:
            continue
        closeness = vectors[added] @ vectors.T                                 # (n_added, V)
        closeness[np.arange(len(added)), added] = -np.inf
        index = np.empty((len(identity), k), dtype=np.int32)                   # (V, k)
        values = np.empty((len(identity), k), dtype=np.float32)
        index[added], values[added] = select_nearest(closeness, k)
        candidates = np.concatenate([old_rows[old_index], np.broadcast_to(added, (len(old_rows), len(added)))], 1)
        scores = np.concatenate([old_values, closeness[:, old_rows].T], axis=1)  # (V_old, k + n_added)
        order = np.lexsort((candidates, -scores), axis=1)[:, :k]               # by closeness, then row
        index[old_rows] = np.take_along_axis(candidates, order, axis=1)
        values[old_rows] = np.take_along_axis(scores, order, axis=1)
        return index, values
    return None


def nearest_rows(vectors, k, block=512):
    """vectors (V, dim) float32 -> (index, values), each (V, min(k, V - 1)): for each row, the other rows
    with the largest dot products and those products, largest first, ties to the lower row (the order
    np.argsort(-closeness, kind="stable") gives)."""
    n = len(vectors)
    k = max(min(k, n - 1), 0)
    index, values = np.empty((n, k), dtype=np.int32), np.empty((n, k), dtype=np.float32)
    for begin in range(0, n if k else 0, block):
        closeness = vectors[begin:begin + block] @ vectors.T                 # (b, V)
        rows = np.arange(len(closeness))
        closeness[rows, begin + rows] = -np.inf                              # never a label's own neighbour
        index[begin:begin + len(closeness)], values[begin:begin + len(closeness)] = select_nearest(closeness, k)
    return index, values


def select_nearest(closeness, k):
    """closeness (b, V) -> (index, values) (b, k) of each row's k largest, largest first, ties to the lower
    column: exactly np.argsort(-row, kind="stable")[:k], without sorting whole rows."""
    best = np.argpartition(-closeness, k - 1, axis=1)[:, :k]                 # (b, k), any order
    values = np.take_along_axis(closeness, best, axis=1)
    order = np.lexsort((best, -values), axis=1)                              # by closeness, then column
    best, values = np.take_along_axis(best, order, axis=1), np.take_along_axis(values, order, axis=1)
    for r in np.flatnonzero((closeness >= values[:, -1:]).sum(axis=1) > k):  # a tie across the cut: be exact
        best[r] = np.argsort(-closeness[r], kind="stable")[:k]
        values[r] = closeness[r, best[r]]
    return best.astype(np.int32), values


def crowding_example(content, numbers, crowding, p, t):
    """The label-crowding example of the default view: the top label's near-synonyms, to add one at a time.
    crowding: {default label: neighbour rows} under template t. Returns {label, added: [[name, similarity to
    photo p]]}; the steps are the page's (rows.js crowdingSteps, run by charts.default_rows)."""
    labels = list(content.default_labels)
    top = int(np.argmax(numbers.similarities[p, t]))
    return dict(label=labels[top], added=[(name, per_photo[p]) for name, per_photo in crowding[labels[top]]
                                          if name not in labels])
