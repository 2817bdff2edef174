"""Stage 3, compute: every number the page shows, from the vectors exactly as the page receives them.

The page gets float16 vectors, so the build first rounds its vectors the same way and then computes in
float32: what Python stores and what the browser recomputes start from identical inputs.
"""
import base64
from dataclasses import dataclass

import numpy as np


@dataclass
class Numbers:
    image: np.ndarray          # (n_photos, 512) float32, float16-rounded: what the page decodes
    text: np.ndarray           # (n_templates, n_vocab, 512) float16: what the page decodes
    label_index: np.ndarray    # (n_labels,) rows of the default labels in the vocabulary
    similarities: np.ndarray   # (n_photos, n_templates, n_labels) cosine similarity of the default labels
    probabilities: np.ndarray  # (n_photos, n_templates, n_tau, n_labels) softmax(sim / tau)
    entropy: np.ndarray        # (n_photos, n_templates, n_tau) in nats
    temperatures: np.ndarray   # (n_tau,)


def as_stored(vectors):
    """Round to float16 and back: the values the page will decode."""
    return np.asarray(vectors, dtype=np.float16).astype(np.float32)


def encode_vectors(vectors):
    """(..., 512) float -> base64 of little-endian float16, the page's vector format."""
    return base64.b64encode(np.ascontiguousarray(vectors, dtype="<f2").tobytes()).decode("ascii")


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
    image = as_stored(embeddings.image)                      # (P, 512)
    text = embeddings.text.astype(np.float16)                # (T, V, 512), kept as the page's float16
    where = {label: i for i, label in enumerate(content.vocabulary)}
    label_index = np.array([where[label] for label in content.default_labels])
    labels = text[:, label_index].astype(np.float32)         # (T, L, 512)
    sims = np.einsum("pd,tld->ptl", image, labels).astype(np.float32)         # (P, T, L)
    taus = content.temperatures.astype(np.float32)           # (n_tau,)
    probs = softmax(sims[:, :, None, :], taus[None, None, :, None]).astype(np.float32)  # (P, T, n_tau, L)
    return Numbers(image, text, label_index, sims, probs, entropy(probs).astype(np.float32), content.temperatures)


CLOUD_SIZE = 500  # vocabulary labels drawn faintly behind the modality-gap figure


def modality_gap(numbers, vocabulary, template_index):
    """A 2-D PCA of the photos' and texts' vectors, for the modality-gap figure.

    The basis comes from the 6 image vectors and a cloud of vocabulary labels (evenly spaced through the
    vocabulary) under one template; the page projects the reader's labels onto the same basis.
    Returns (mean (512,), components (2, 512), cloud labels, cloud points (n, 2), image points (6, 2)).
    """
    step = max(1, len(vocabulary) // CLOUD_SIZE)
    cloud_index = np.arange(0, len(vocabulary), step)[:CLOUD_SIZE]
    texts = numbers.text[template_index, cloud_index].astype(np.float32)   # (500, 512)
    points = np.concatenate([numbers.image, texts])                          # (506, 512)
    mean = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - mean, full_matrices=False)
    components = vt[:2]                                                       # (2, 512)
    components *= np.sign(components.sum(axis=1, keepdims=True))              # a fixed orientation
    mean, components = mean.astype(np.float16).astype(np.float32), components.astype(np.float16).astype(np.float32)
    project = lambda v: (v - mean) @ components.T                              # noqa: E731  (n, 512) -> (n, 2)
    cloud = project(texts).astype(np.float16).astype(np.float32)                # as the page receives it
    return mean, components, [vocabulary[i] for i in cloud_index], cloud, project(numbers.image)


NEIGHBOURS = 5  # near-synonyms per label for the label-crowding figure


def crowding(numbers, content):
    """For each template and default label: its NEIGHBOURS nearest vocabulary labels (text cosine) and
    their similarity to each photo. {template id: {label: [[neighbour, [sim per photo]], ...]}}"""
    out = {}
    for t, template in enumerate(content.templates):
        text = numbers.text[t].astype(np.float32)                         # (V, 512)
        out[template.id] = {}
        for label, index in zip(content.default_labels, numbers.label_index):
            closeness = text @ text[index]                               # (V,)
            closeness[index] = -np.inf
            nearest = np.argsort(-closeness, kind="stable")[:NEIGHBOURS]
            sims = numbers.image @ text[nearest].T                       # (n_photos, NEIGHBOURS)
            out[template.id][label] = [[content.vocabulary[j], [round(float(v), 4) for v in sims[:, n]]]
                                       for n, j in enumerate(nearest)]
    return out
