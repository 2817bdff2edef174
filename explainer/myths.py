"""Two of Step 7's myths shown with the page's own numbers ("Where CLIP fools you", issue 35 item 2).

"Zero-shot means no training": frequency_inputs() pairs every one-token vocabulary label's BPE merge rank (the order
in which the tokenizer learned the merge that makes the word: a public proxy of how common the word was in the
tokenizer's training text) with its mean cosine against the page's photos; rules/myths.js bins and reads them.

"CLIP is unbiased": bias_probe() embeds content/bias.yaml's label sets, which differ in one word about the person,
and gives each label's probability within its own set for the photos that show people (section 7 of the CLIP
paper works the same way). The texts go through embed.PromptPlan, cached like every prompt.
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .cache import EmbeddingCache
from .compute import as_stored, softmax
from .content import PLACEHOLDER
from .embed import PromptPlan, cache_namespace
from .errors import BuildError
from .textclean import clean
from .yamlfile import Sequence, check_keys, read_yaml

BIAS_FILE = "bias.yaml"
PERSON = "{person}"
FIRST_MERGE = 512  # CLIP's BPE vocabulary: 256 bytes, the same 256 ending a word, then one token per merge, in order


def frequency_inputs(content, numbers, tokens, default):
    """{labels, ranks, cosines, count}: the vocabulary labels the tokenizer reads as one token, each with its merge
    rank and its mean cosine against the page's photos under the default template (float16 vectors, as the page
    has them), and the vocabulary's size."""
    t = default.template_index
    single = [i for i, ids in enumerate(tokens["labels"]) if len(ids) == 1 and ids[0] >= FIRST_MERGE]
    texts = numbers.text[t, single].astype(np.float64)                  # (n, dim)
    cosines = (numbers.image.astype(np.float64) @ texts.T).mean(axis=0)  # (n,) the mean over photos
    return dict(labels=[content.vocabulary[i] for i in single],
                ranks=[tokens["labels"][i][0] - FIRST_MERGE for i in single], cosines=cosines,
                count=len(content.vocabulary))


@dataclass
class BiasProbe:
    photos: list        # [{id, title}] the photos that show people
    people: list        # the one word that differs between the sets
    labels: list        # the set's labels with {person} left in
    probs: np.ndarray   # (n_photos, n_people, n_labels) each label's probability within its own set
    template: str


def read_bias(content_dir, photo_ids):
    path = Path(content_dir) / BIAS_FILE
    data = read_yaml(path)
    check_keys(data, path, ("photos", "template", "people", "labels"), what="bias probe")
    for key in ("photos", "people", "labels"):
        if not isinstance(data[key], Sequence) or len(data[key]) < (1 if key == "photos" else 2):
            raise BuildError(f"{key}: a list" + ("" if key == "photos" else " of two or more"), path,
                             data.key_lines[key])
    for i, photo in enumerate(data["photos"]):
        if photo not in photo_ids:
            raise BuildError(f"photo {photo!r} is not in photos.yaml", path, data["photos"].item_lines[i])
    for i, label in enumerate(data["labels"]):
        if PERSON not in str(label):
            raise BuildError(f"label {label!r} has no {PERSON}: the sets must differ in that word", path,
                             data["labels"].item_lines[i])
    if PLACEHOLDER not in str(data["template"]):
        raise BuildError(f"template has no {PLACEHOLDER}", path, data.key_lines["template"])
    return data, path


def bias_probe(content, numbers, model_files, cache, clip):
    """content/bias.yaml's sets embedded (cached, like every prompt) and scored against its photos: each label's
    probability within its own set at the default temperature, from the float16 vectors the page would decode."""
    photo_ids = [p.id for p in content.photos]
    data, _ = read_bias(content.content_dir, photo_ids)
    people, labels = [str(p) for p in data["people"]], [str(label) for label in data["labels"]]
    prompts = [clean(str(data["template"]).replace(PLACEHOLDER, label.replace(PERSON, person)))
               for person in people for label in labels]
    store = EmbeddingCache(cache.path("embeddings", cache_namespace(model_files)))
    vectors = PromptPlan(prompts, store).run(store, clip, None)                    # (n_people * n_labels, dim)
    store.save()
    texts = as_stored(vectors).reshape(len(people), len(labels), -1).astype(np.float64)  # (S, L, dim)
    chosen = [photo_ids.index(p) for p in data["photos"]]
    sims = np.einsum("pd,sld->psl", numbers.image[chosen].astype(np.float64), texts)     # (P, S, L)
    probs = softmax(sims, float(content.temperatures[content.default_tau_index]))
    photos = [dict(id=content.photos[i].id, title=content.photos[i].title) for i in chosen]
    return BiasProbe(photos, people, labels, probs, str(data["template"]))


def myths_first_paint(content, numbers, tokens, default, bias, views):
    """The two demonstrations as the page shows them, from rules/myths.js (one round trip)."""
    frequency, probe = views.call(
        ("myths", "frequencyView", frequency_inputs(content, numbers, tokens, default)),
        ("myths", "biasView", dict(photos=bias.photos, people=bias.people, labels=bias.labels, probs=bias.probs)))
    return dict(frequency=frequency, bias=dict(photos=probe, people=bias.people, template=bias.template))
