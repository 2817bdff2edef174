"""The vocabulary's text vectors under each template, for the score figure of the reader's own photo (issue 34).

A built-in photo's percentiles come precomputed (data/scores/); the reader's own photo, embedded in the browser,
has none, so the page offers, on a click, one template's vocabulary vectors and computes them itself
(rules/ownscores.js). Quantised to int8 with one float32 scale per vector (value = scale x int8, scale = the
vector's largest magnitude / 127): 4 bytes + dim bytes per label, half of float16's 2 x dim, with a cosine error
the build measures and states (bench/results.md: about 3 MB per template for 6003 labels x 512 against 6 MB).

Beside the page, in data/vocab-vectors/ (write_vocab_vectors):
    <template id>.bin   scales (count,) float32 little-endian, then values (count, dim) int8, vocabulary order
    <template id>.json  {count, dim, scheme, bytes, max_cosine_error, max_cosine_error_centred,
                        max_percentile_error, baseline, baseline_text}: the worst cosine error of the dequantised
                        vectors against the float32 ones over the built-in photos (as trained, and with the space
                        centred as the page centres it) and the worst move of a label's percentile (worst_errors);
                        baseline: the template with an empty label, float16 base64 (dim,), as the scores files use
"""
import json

import numpy as np

from .compute import as_stored, encode_vectors
from .write import write_json

VECTORS_FILE = "data/vocab-vectors/{template}.bin"
HEADER_FILE = "data/vocab-vectors/{template}.json"
SCHEME = "int8 with one float32 scale per vector: scales (count,) float32 LE, then values (count, dim) int8"


def quantise(vectors):
    """(V, dim) float -> scales (V,) float32 and values (V, dim) int8, value x scale ~ the vector."""
    scales = (np.abs(vectors).max(axis=1) / 127).astype(np.float32)             # (V,)
    values = np.rint(vectors / scales[:, None]).astype(np.int8)                 # (V, dim)
    return scales, values


def dequantised(scales, values):
    """The vectors as the page reads them, in double: (V, dim)."""
    return values.astype(np.float64) * scales.astype(np.float64)[:, None]


def unit_rows(vectors):
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def mid_ranks(sorted_ints, keys):
    """rules/scores.js percentile's count: the labels below each key plus half of those equal to it."""
    return (np.searchsorted(sorted_ints, keys, side="left") + np.searchsorted(sorted_ints, keys, side="right")) / 2


def worst_errors(texts, scales, values, images, image_mean, text_mean, grid):
    """The largest |cosine| difference between the dequantised vectors and the float32 ones (texts (V, dim)) with
    each built-in photo (images (P, dim)): as trained, and centred (each side minus its mean, renormalised); and the
    largest move of a vocabulary label's percentile (its cosine placed among the dequantised cosines instead of the
    float32 ones, on the scores files' grid: cosine x grid, rounded), in percentage points."""
    approx = dequantised(scales, values)                                        # (V, dim)
    exact = texts.astype(np.float64)                                            # (V, dim)
    raw = np.abs((approx - exact) @ images.T).max()
    centred_images = unit_rows(images - image_mean)                             # (P, dim)
    centred = np.abs((unit_rows(approx - text_mean) - unit_rows(exact - text_mean)) @ centred_images.T).max()
    percentile = 0.0
    for image in images:
        keys = np.rint(exact @ image * grid)                                    # (V,)
        moved = mid_ranks(np.sort(np.rint(approx @ image * grid)), keys) - mid_ranks(np.sort(keys), keys)
        percentile = max(percentile, 100 * np.abs(moved).max() / len(keys))
    return float(raw), float(centred), float(percentile)


def file_bytes(count, dim):
    """A .bin's size: one float32 scale and dim int8 values per label."""
    return count * (4 + dim)


def write_vocab_vectors(site, content, embeddings, image_mean, text_means, baseline_text, grid):
    """One .bin and one .json per template (the module's docstring); grid: the scores files' (deepdive.py)."""
    images = embeddings.image.astype(np.float64)                                # (P, dim) float32 photo vectors
    for t, template in enumerate(content.templates):
        texts = embeddings.text[t]                                              # (V, dim) float32, unit norm
        scales, values = quantise(texts)
        data = scales.astype("<f4").tobytes() + values.tobytes()                # file_bytes(V, dim)
        path = site / VECTORS_FILE.format(template=template.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        raw, centred, percentile = worst_errors(texts, scales, values, images, as_stored(image_mean),
                                                as_stored(text_means[t]), grid)
        write_json(site / HEADER_FILE.format(template=template.id), dict(
            count=len(texts), dim=texts.shape[1], scheme=SCHEME, bytes=len(data), max_cosine_error=raw,
            max_cosine_error_centred=centred, max_percentile_error=percentile,
            baseline=encode_vectors(embeddings.baselines[t]),
            baseline_text=baseline_text(template)))


def vocab_vectors_context(content, embeddings):
    """What the score figure's element carries for the offer (never the files themselves): their paths and each
    template's bytes."""
    _, count, dim = embeddings.text.shape                                       # (T, V, dim)
    sizes = {template.id: file_bytes(count, dim) for template in content.templates}
    return dict(file=VECTORS_FILE, header=HEADER_FILE, bytes=json.dumps(sizes, separators=(",", ":")))
