"""The site's models: the default one (the page's own, built by the pipeline as ever) and any further ones, each
computed by the same stages and written under models/<slug>/ in the site, mirroring the default's file names.

A further model's folder holds what the default's data/ holds for it (write_further_model):
    models/<slug>/data/model.json      its snapshot-like file: what the page swaps in to show that model
                                       (MODEL_KEYS of make_snapshot, and each photo's embed_ms); its paths
                                       ("data/figures.json", "data/labels/{hash}.json") are relative to
                                       models/<slug>/, the model's data root
    models/<slug>/data/embeddings.json, label-names.json, labels/<hash>.json, figures.json, grid.json,
    occlusion.json (on its own patch grid), towers/, objective.json, scores/, centre.json
    models/<slug>/seen/                what its image tower is handed (modelinput.py, its own preprocessing: image
                                       size and crop), as site/seen/ holds the default's
What stays the default model's alone: the first paint and its charts, the attack lab's stamped photos and live
mode (its ONNX exports and their parity checks are per model and heavy: one model's towers are 100s of MB to export,
shrink and measure, and the reader downloads them).

The snapshot's `models` list (model_entry), one record per model, the default first:
    {id (the slug: the link's model=), name, stand_in, dim, patch_size, image_size, grid, context_length,
     parameters {vision, text, total}, embed_ms (mean model milliseconds per photo, measured by the build),
     source, licence (model.model_source), file (a further model's model.json; null for the default),
     root (its data root; "" for the default), vocabulary (how many vocabulary labels it carries: all of them, or
     settings.yaml's `vocabulary: N` for a further model, limited_vocabulary; its model.json's vocabulary.count),
     revision (the Hub commit settings.yaml pins it to; null when unpinned or local)}
"""
import logging
import re
from dataclasses import dataclass, replace

import numpy as np

from .compute import compute, compute_figures
from .data import make_snapshot, place_label_files, write_data, write_occlusion
from .deepdive import write_deep_dive
from .embed import Clip, embed
from .errors import BuildError
from .model import WEIGHT_FILE, model_source
from .modelinput import write_model_inputs
from .textvalue import added_labels
from .tokens import token_table
from .towers import compute_towers, snapshot_towers, write_towers
from .write import write_json

log = logging.getLogger(__name__)

MODELS_DIR = "models"             # the further models' data roots: models/<slug>/
MODEL_FILE = "data/model.json"    # each further model's snapshot-like file, under its root
# what a further model's model.json holds of make_snapshot: everything of the snapshot that depends on the model
MODEL_KEYS = ("model", "vectors", "vocabulary", "tokens", "crowding_size", "gap", "figures", "occlusion", "towers")


def model_slug(name):
    """The model's id on the page and in the link (model=): its name in lower case, runs of anything but a-z and
    0-9 made one '-' ("openai/clip-vit-large-patch14" -> "openai-clip-vit-large-patch14")."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "model"


def site_models(ctx_models, settings, default):
    """The names of the models the site carries, the default first: build.py's --model values when given, else
    settings.yaml's `models:`, else the default model alone. Two that share a slug are refused by name."""
    names = list(ctx_models) or settings.get("models") or [default]
    seen = {}
    for name in names:
        slug = model_slug(name)
        if slug in seen:
            where = "the same model twice" if seen[slug] == name else f"the same id {slug!r} as {seen[slug]!r}"
            raise BuildError(f"--model {name!r}: {where}; give each model once")
        seen[slug] = name
    return names


def model_keys(ctx_models, settings, name):
    """settings.yaml's per-model keys of one of the site's models (settings.read_model_entry: vocabulary, ...);
    none when --model chose the models (it overrides `models:`, keys and all)."""
    return {} if ctx_models else (settings.get("model_keys") or {}).get(name, {})


def limited_vocabulary(content, limit):
    """A further model's vocabulary under settings.yaml's `vocabulary: N`: content/vocabulary.txt's first N labels
    and every label the page shows without a reader's choice, which the build requires of the default model's
    vocabulary too (labels.yaml's defaults and token_example, the sections' data-add-labels), in the file's order."""
    if limit is None or limit >= len(content.vocabulary):
        return content.vocabulary
    by_lower = {label.lower(): label for label in content.vocabulary}
    shown = {*content.default_labels, *([content.token_example] if content.token_example else []),
             *(by_lower[label.lower()] for label in added_labels(content.sections))}
    return [label for i, label in enumerate(content.vocabulary) if i < limit or label in shown]


def parameter_counts(model_files):
    """{vision, text, total}: the floating-point weights of each tower (its projection included) and of the whole
    checkpoint, counted from the weight file's header (no torch)."""
    from safetensors import safe_open
    counts = dict(vision=0, text=0, total=0)
    with safe_open(model_files.folder / WEIGHT_FILE, framework="numpy") as weights:
        for key in weights.keys():
            tensor = weights.get_slice(key)
            if not tensor.get_dtype().startswith(("F", "BF")):
                continue  # position ids and other integer buffers are not parameters
            n = int(np.prod(tensor.get_shape(), dtype=np.int64))
            counts["total"] += n
            if key.startswith(("vision_model.", "visual_projection.")):
                counts["vision"] += n
            elif key.startswith(("text_model.", "text_projection.")):
                counts["text"] += n
    return counts


def model_entry(model_files, embeddings, root="", vocabulary=None):
    """One model's record in the snapshot's `models` list (this module's docstring); vocabulary: the count of
    labels it carries (its label files)."""
    shape = model_files.shape
    source, licence = model_source(model_files)
    return dict(id=model_slug(model_files.name), name=model_files.name, stand_in=model_files.stand_in,
                dim=shape.dim, patch_size=shape.patch_size, image_size=shape.image_size,
                grid=shape.patches_per_side, context_length=shape.context_length,
                parameters=parameter_counts(model_files),
                embed_ms=round(float(np.mean(embeddings.image_seconds)) * 1000, 1), source=source, licence=licence,
                file=f"{root}{MODEL_FILE}" if root else None, root=root, vocabulary=vocabulary,
                revision=model_files.revision)


def write_further_model(site, ctx, content, model_files, view, photo_files, placed, vocabulary=None):
    """Run the default's stages for one further model (embed, compute, tokens, towers) and write its data under
    models/<slug>/ in the site; returns a FurtherModel (its record for the snapshot's `models` list, and the
    vectors the models figure's first paint needs). placed: the label store's
    files the build places for the models before this one (kept from the store's pruning); this one's are added.
    vocabulary: settings.yaml's limit on its labels (limited_vocabulary; None: the whole vocabulary). Every stage
    then sees that shorter vocabulary alone: it embeds, scores (the deep dive's percentiles, its centring means,
    the near-synonyms) and writes label files for those labels only."""
    from .pipeline import Results  # the pipeline's own record of what the steps made
    content = replace(content, vocabulary=limited_vocabulary(content, vocabulary))
    root = f"{MODELS_DIR}/{model_slug(model_files.name)}/"
    clip = Clip(model_files.folder, ctx.device)                              # loads weights only if it embeds
    embeddings = embed(content, model_files, ctx.cache, clip=clip, device=ctx.device, progress=ctx.progress)
    numbers = compute(content, embeddings)                                   # similarities, softmax, entropy
    figures = compute_figures(content, numbers, view, ctx.cache)             # modality gap, label crowding
    tokens = token_table(content, model_files, ctx.cache)                    # its tokenizer's pieces
    towers = compute_towers(content, model_files, ctx.cache, clip, ctx.device)  # attention on its own grid
    results = Results(content, model_files, view, embeddings, numbers, figures, tokens, {}, None)
    snapshot = make_snapshot(results, photo_files)
    snapshot["towers"] = snapshot_towers(towers)
    folder = site / MODELS_DIR / model_slug(model_files.name)
    label_files = write_data(folder, content, numbers, figures, tokens, snapshot, ctx.cache, keep=frozenset(placed))
    placed.update(label_files.values())
    write_occlusion(folder, content, embeddings.occluded, model_files.shape.patches_per_side)
    write_towers(folder, towers, [p.id for p in content.photos], numbers.image)
    write_deep_dive(folder, content, numbers, embeddings)
    seen_stats = write_model_inputs(folder / "seen", content.photos, clip, ctx.cache)  # what its encoder sees
    write_json(folder / "seen" / "stats.json", seen_stats)
    own = {key: snapshot[key] for key in MODEL_KEYS}
    own["embed_ms"] = {p["id"]: p["embed_ms"] for p in snapshot["photos"]}   # (P,) model ms per photo
    write_json(folder / MODEL_FILE, own)
    place_label_files(folder, label_files, ctx.cache)
    log.info(f"  model {model_files.name}: {root} ({model_files.shape.dim}-d, "
             f"{model_files.shape.patches_per_side}x{model_files.shape.patches_per_side} patches)")
    return FurtherModel(model_entry(model_files, embeddings, root, len(content.vocabulary)), numbers.image,
                        numbers.text[:, numbers.label_index].astype(np.float32), embeddings.stats)


@dataclass
class FurtherModel:
    entry: dict              # its record in the snapshot's `models` list
    image: np.ndarray        # (P, dim) float32, float16-rounded: the photos' vectors as the page decodes them
    label_text: np.ndarray   # (T, L, dim) float32 from float16: the default labels' vectors under each template
    stats: dict              # what reached this model in this build (embed.Embeddings.stats)


def models_first_paint(entries, content, numbers, further, view, views):
    """The models figure's default view (rules/models.js modelsView, in Node): every model's cosines from its own
    vectors as the page decodes them, for the default photo, template and labels at the default temperature."""
    p, t, k = view.index
    vectors = [(numbers.image[p], numbers.text[t, numbers.label_index].astype(np.float32))]     # (dim,), (L, dim)
    vectors += [(model.image[p], model.label_text[t]) for model in further]
    shown = views.one("models", "modelsView", [dict(entry, image=image, texts=texts) for entry, (image, texts)
                                               in zip(entries, vectors, strict=True)],
                      content.default_labels, float(content.temperatures[k]), len(content.photos))
    return dict(shown, photo=view.photo, template=view.template, tau_index=k)
