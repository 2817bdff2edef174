"""The data and the first paint of "What the numbers mean" (content/sections/11-numbers.md).

The objective figure's batch is the six photos with their alt texts as captions, embedded as plain texts (embed.py
extra_plans). Its numbers are the page's own rules (rules/objective.js), run here in Node for the first paint from
the vectors exactly as the page decodes them (float16-rounded).

Beside the page, in data/ (write_deep_dive):
    objective.json  {captions: [alt text] (P,), vectors: (P, dim) float16 base64}: fetched when the figure comes near
"""
import numpy as np

from .compute import as_stored, encode_vectors
from .write import write_json

OBJECTIVE_FILE = "data/objective.json"


def write_deep_dive(site, content, embeddings):
    """data/objective.json: the batch's captions and their vectors."""
    write_json(site / OBJECTIVE_FILE, {"captions": [photo.alt for photo in content.photos],
                                       "vectors": encode_vectors(embeddings.captions)})  # (P, dim)


def deep_dive_context(content, numbers, embeddings, snapshot, default, views):
    """What the deep dive's widgets show before (and without) JavaScript: the objective of the default batch at the
    default temperature (objectiveView's answer), with the file the page fetches and the temperature's index."""
    tau = snapshot["temperatures"][default.tau_index]
    captions = as_stored(embeddings.captions).astype(np.float64)  # (P, dim), as the page decodes them
    view = views.one("objective", "objectiveView", numbers.image.astype(np.float64), captions, tau,
                     [photo.title for photo in content.photos], [photo.alt for photo in content.photos])
    return {"objective": dict(view, file=OBJECTIVE_FILE, tau_index=default.tau_index)}
