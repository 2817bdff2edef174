"""The data and the first paint of "What the numbers mean" (content/sections/11-numbers.md).

The objective figure's batch is the six photos with their alt texts as captions, embedded as plain texts (embed.py
extra_plans). Its numbers are the page's own rules (rules/objective.js), run here in Node for the first paint from
the vectors exactly as the page decodes them (float16-rounded).

The score figure's data is each photo's cosine with every vocabulary label under each template, sorted, to 4
decimals, as integers in units of 1e-4, delta-coded (a few kilobytes gzipped per photo and template), with the
cosine of the template with an empty label (embed.py extra_plans: "a photo of a {label}." -> "a photo of a .").

Beside the page, in data/ (write_deep_dive):
    objective.json  {captions: [alt text] (P,), vectors: (P, dim) float16 base64}: fetched when the figure comes near
    scores/<template id>/<photo id>.json  {photo, template, first, deltas (V - 1,), baseline, baseline_text}: the
                    sorted cosines are first, first + deltas[0], ...; baseline: the photo's cosine with the empty
                    prompt (baseline_text), full precision; fetched when the score figure comes near
    centre.json     {image: (dim,), text: {template id: (dim,)}} float16 base64: the mean photo vector over the
                    built-in photos and the mean text vector over the whole vocabulary under each template, which
                    "centre the space" subtracts; fetched when the switch is first turned on
"""
import numpy as np

from .compute import as_stored, encode_vectors
from .textclean import clean
from .vocabvectors import vocab_vectors_context, write_vocab_vectors
from .write import write_json

OBJECTIVE_FILE = "data/objective.json"
SCORES_FILE = "data/scores/{template}/{photo}.json"
CENTRE_FILE = "data/centre.json"
SCORE_SCALE = 10_000  # cosines stored in units of 1e-4 (rules/scores.js SCORE_SCALE)


def write_deep_dive(site, content, numbers, embeddings):
    """data/objective.json: the batch's captions and their vectors; data/scores/: every photo and template's
    sorted vocabulary cosines (score_records); data/centre.json: the centring's means (centre_means);
    data/vocab-vectors/: the vocabulary's vectors for the reader's own photo (vocabvectors.py)."""
    write_json(site / OBJECTIVE_FILE, {"captions": [photo.alt for photo in content.photos],
                                       "vectors": encode_vectors(embeddings.captions)})  # (P, dim)
    image_mean, text_means = centre_means(numbers)
    for (template, photo), record in score_records(content, numbers, embeddings, image_mean, text_means).items():
        write_json(site / SCORES_FILE.format(template=template, photo=photo), record)
    text = {t.id: encode_vectors(text_means[i]) for i, t in enumerate(content.templates)}  # (dim,) each
    write_json(site / CENTRE_FILE, {"image": encode_vectors(image_mean), "text": text})    # image: (dim,)
    write_vocab_vectors(site, content, embeddings, image_mean, text_means, baseline_text, SCORE_SCALE)  # own photo


def centre_means(numbers):
    """The means "centre the space" subtracts, from the vectors as the page decodes them: the mean photo vector
    over the built-in photos (dim,) and the mean text vector over the whole vocabulary under each template (T, dim)."""
    image = numbers.image.astype(np.float64).mean(axis=0)                      # (dim,)
    text = numbers.text.astype(np.float64).mean(axis=1)                        # (T, dim)
    return image, text


def baseline_text(template):
    """The empty prompt as it was embedded (embed.py extra_plans), for the page to quote."""
    return f"the {template.text}, each with an empty label" if template.ensemble else clean(template.fill(""))


def centred_rows(vectors, mean):
    """(n, dim) vectors minus mean (dim,), each scaled back to unit length (rules/centre.js centred), in double."""
    out = vectors.astype(np.float64) - mean
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def sorted_scores(image, texts, baseline):
    """One photo's sorted vocabulary cosines on the 1e-4 grid (first, deltas) and its baseline's cosine."""
    stored = np.sort(np.rint(texts @ image * SCORE_SCALE).astype(np.int64))    # (V,)
    return dict(first=int(stored[0]), deltas=np.diff(stored).tolist(), baseline=float(image @ baseline))


def score_records(content, numbers, embeddings, image_mean, text_means):
    """{(template id, photo id): the scores file's record}, from the vectors as the page decodes them; `centred`:
    the same with the space centred (the means as the page decodes them from centre.json), so that the score
    figure follows "centre the space" (about 1 KB gzip more per file)."""
    image = numbers.image.astype(np.float64)                                    # (P, dim)
    baselines = as_stored(embeddings.baselines).astype(np.float64)              # (T, dim)
    image_centred = centred_rows(image, as_stored(image_mean))                  # (P, dim)
    records = {}
    for t, template in enumerate(content.templates):
        texts = numbers.text[t].astype(np.float64)                              # (V, dim)
        mean = as_stored(text_means[t])                                         # (dim,)
        texts_centred = centred_rows(texts, mean)                               # (V, dim)
        baseline_centred = centred_rows(baselines[t], mean)                     # (dim,)
        for p, photo in enumerate(content.photos):
            records[template.id, photo.id] = dict(
                photo=photo.id, template=template.id, **sorted_scores(image[p], texts, baselines[t]),
                baseline_text=baseline_text(template),
                centred=sorted_scores(image_centred[p], texts_centred, baseline_centred))
    return records


def deep_dive_context(content, numbers, embeddings, snapshot, default, views):
    """What the deep dive's widgets show before (and without) JavaScript, from the page's own rules in one round trip:
    the objective of the default batch at the default temperature (objectiveView), and the default photo and
    template's scores of the default labels (scoreView), each with the file the page fetches."""
    tau = snapshot["temperatures"][default.tau_index]
    captions = as_stored(embeddings.captions).astype(np.float64)  # (P, dim), as the page decodes them
    p, t = default.photo_index, default.template_index
    record = score_records(content, numbers, embeddings, *centre_means(numbers))[content.templates[t].id,
                                                                                   content.photos[p].id]
    sims = numbers.text[t, numbers.label_index].astype(np.float64) @ numbers.image[p].astype(np.float64)  # (L,)
    view, scores = views.call(  # one round trip
        ("objective", "objectiveView", numbers.image.astype(np.float64), captions, tau,
         [photo.title for photo in content.photos], [photo.alt for photo in content.photos]),
        ("scores", "scoreView", record, content.default_labels, sims))
    return {"objective": dict(view, file=OBJECTIVE_FILE, tau_index=default.tau_index),
            "scores": dict(scores, file=SCORES_FILE, photo=default.photo, template=default.template,
                           vectors=vocab_vectors_context(content, embeddings)),
            "centre": dict(file=CENTRE_FILE)}
