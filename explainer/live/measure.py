"""Live mode's measure phase: every variant run in onnxruntime-web's WebAssembly engine under Node (webengine),
with the page's session settings, from the files as shipped, against the build's own torch vectors."""
from pathlib import Path

import numpy as np

from ..embed import ensemble_prompt, normalise
from ..textclean import clean
from .common import MEASURED_LABELS, variants
from .webengine import image_job, run_in_node, text_job

# the vision graph's outputs beside image_embeds (export.VISION_OUTPUTS), the text graph's beside text_embeds
TOWERS_OUTPUTS = ("class_attention", "lens", "mean_attention")
TEXT_TOWERS_OUTPUTS = ("end_attention",)


def measured_texts(content, embeddings):
    """The texts measured and their torch vectors: ([[prompt, ...] per item], (n_items, dim)).
    An item is one vocabulary label under the default template, or one default (template, label) pair;
    an ensemble item has one prompt per ensemble template and is their normalised mean."""
    default = [t.id for t in content.templates].index(content.settings["default_template"])
    step = max(1, len(content.vocabulary) // MEASURED_LABELS)
    sample = list(range(0, len(content.vocabulary), step))[:MEASURED_LABELS]
    index = {label: i for i, label in enumerate(content.vocabulary)}
    items, rows = [], []
    for i in sample:
        items.append([clean(content.templates[default].fill(content.vocabulary[i]))])
        rows.append((default, i))
    for t, template in enumerate(content.templates):
        for label in content.default_labels:
            if template.ensemble:
                items.append([ensemble_prompt(text, label) for text in content.ensemble_templates])
            else:
                items.append([clean(template.fill(label))])
            rows.append((t, index[label]))
    reference = np.stack([embeddings.text[t, i] for t, i in rows])  # (n_items, dim)
    return items, reference


def tokenizer_for(model_files):
    """The checkpoint's tokenizer.json, truncating to the context length as the embed step does."""
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(str(Path(model_files.folder) / "tokenizer.json"))
    tokenizer.enable_truncation(model_files.shape.context_length)
    return tokenizer


def run_text(session, tokenizer, prompts, batch=256):
    """(n,) cleaned prompts -> (n, dim) unit vectors from an onnxruntime session of a text tower."""
    ids = [e.ids for e in tokenizer.encode_batch(prompts)]
    pad = ids[0][-1]  # CLIP pads with its end token
    out = []
    for begin in range(0, len(ids), batch):
        rows = ids[begin:begin + batch]
        width = max(map(len, rows))
        input_ids = np.array([r + [pad] * (width - len(r)) for r in rows], dtype=np.int64)      # (b, width)
        mask = np.array([[1] * len(r) + [0] * (width - len(r)) for r in rows], dtype=np.int64)  # (b, width)
        out.append(session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0])
    return normalise(np.concatenate(out))


def preprocess_photos(model_files, photos):
    """(n_photos, 3, size, size) float32, exactly as the embed step feeds the vision tower."""
    from transformers import CLIPImageProcessorPil
    processor = CLIPImageProcessorPil.from_pretrained(model_files.folder)
    return processor(images=[p.image for p in photos], return_tensors="np")["pixel_values"].astype(np.float32)


def measure(folder, model_files, content, items, text_reference, image_reference, near_tie, node_modules):
    """{tower: {variant: {max_cosine_error, top1_agreement, ...}}} and 'vectors': every variant's unit vectors,
    computed by onnxruntime-web (webengine) from the files as shipped: the numbers a reader's browser computes."""
    pixels = preprocess_photos(model_files, content.photos)  # (n_photos, 3, size, size)
    flat = [p for item in items for p in item]                # every prompt, item after item
    jobs = [text_job(*shipped(folder, "text", v), flat) for v in variants("text")]
    prompts = default_prompts(content)  # one at a time, as the text-attention figure asks for one label
    jobs += [text_job(*shipped(folder, "text", v), prompts, 1, TEXT_TOWERS_OUTPUTS) for v in variants("text")]
    jobs += [image_job(*shipped(folder, "vision", v), pixels, extra=TOWERS_OUTPUTS) for v in variants("vision")]
    raw = run_in_node(node_modules, jobs, Path(model_files.folder) / "tokenizer.json",
                      model_files.shape.context_length)
    n_text = len(variants("text"))
    texts, attentions, images = raw[:n_text], raw[n_text:2 * n_text], raw[2 * n_text:]
    text_live = {v: item_means(normalise(r), items) for v, r in zip(variants("text"), texts, strict=True)}
    image_live = {v: normalise(r["image_embeds"]) for v, r in zip(variants("vision"), images, strict=True)}
    groups = label_groups(content)
    reference = text_reference @ image_reference.T  # (n_items, n_photos)
    parity = {"text": {}, "vision": {}, "vectors": (text_live, image_live)}
    text_towers = torch_text_towers(model_files, prompts)
    for v, r in zip(variants("text"), attentions, strict=True):
        parity["text"][v] = compare(text_live[v] @ image_reference.T, reference, groups, near_tie)
        parity["text"][v]["towers"] = compare_text_towers(r["end_attention"], text_towers)
    towers = torch_towers(model_files, pixels)
    for v, r in zip(variants("vision"), images, strict=True):
        parity["vision"][v] = compare(text_reference @ image_live[v].T, reference, groups, near_tie)
        parity["vision"][v]["towers"] = compare_towers(r, towers, text_reference)
    return parity


def torch_towers(model_files, pixels):
    """The towers' numbers the build stores (explainer/towers.py vision_numbers, eager attention in torch) for
    the preprocessed photos: {"attention": (n, L * H * T), "rollout": (n, L * T), "lens": (n, L * dim)}."""
    from ..towers import TowerModel, vision_numbers
    loaded = TowerModel(model_files.folder, "cpu").load()
    found = [vision_numbers(loaded.model, loaded.torch, loaded.torch.from_numpy(pixels[i:i + 1]))
             for i in range(len(pixels))]
    return {key: np.stack([f[key].ravel() for f in found]) for key in ("attention", "rollout", "lens")}


def default_prompts(content):
    """The prompts of data/towers/text.json (explainer/towers.py compute_towers): each default label under each
    template but the ensemble."""
    return [clean(t.fill(label)) for t in content.templates if not t.ensemble for label in content.default_labels]


def torch_text_towers(model_files, prompts):
    """The end token's attention the build stores (explainer/towers.py text_numbers, eager attention in torch)
    for each prompt: [(L_text, n_tokens)]."""
    from ..towers import TowerModel, text_numbers
    loaded = TowerModel(model_files.folder, "cpu").load()
    return [text_numbers(loaded.model, loaded.torch, loaded.tokenizer, p)["attention"] for p in prompts]


def compare_text_towers(live, towers):
    """The graph's end_attention (run_in_node's, (n, L * context_length), each layer's row padded with 0) against
    torch's rows [(L, n_tokens)]: the largest |difference| of a weight, a token's share, bounded like a cosine."""
    error = 0.0
    for row, found in zip(live, towers, strict=True):
        layers, n = found.shape
        error = max(error, float(np.abs(row.reshape(layers, -1)[:, :n] - found).max()))
    return dict(attention_max_error=error)


def compare_towers(live, towers, texts):
    """The graph's towers outputs (run_in_node's dict) against torch's: the largest |difference| of an attention
    weight, of a rollout weight (the page's rollout of the graph's head-averaged attention: towers.rollout, the
    same recipe as rules/towers.js) and of a lens cosine (each layer's lens vector with each measured text's torch
    vector, texts: (n_items, dim)), the number the lens figure draws, bounded like the main output's cosines."""
    from ..towers import rollout
    dim = live["image_embeds"].shape[1]
    n, tokens = len(live["lens"]), towers["rollout"].shape[1] // (live["lens"].shape[1] // dim)
    rolled = np.stack([rollout(mean.reshape(-1, tokens, tokens))[:, 0, :].ravel()
                       for mean in live["mean_attention"].reshape(n, -1)])  # (n, L * T)
    lens_live = live["lens"].reshape(-1, dim)        # (n * L, dim), unit rows
    lens_torch = towers["lens"].reshape(-1, dim)     # (n * L, dim)
    return dict(attention_max_error=float(np.abs(live["class_attention"] - towers["attention"]).max()),
                rollout_max_error=float(np.abs(rolled - towers["rollout"]).max()),
                lens_max_cosine_error=float(np.abs((lens_live - lens_torch) @ texts.T).max()))


def shipped(folder, tower, variant):
    """(graph, weights): a variant's two files as the browser downloads them (shrink.ship_apart)."""
    return folder / f"{tower}-{variant}.graph.onnx", folder / f"{tower}-{variant}.weights"


def item_means(vectors, items):
    """(n_prompts, dim) unit vectors -> (n_items, dim): each item's normalised mean over its prompts."""
    out, begin = [], 0
    for item in items:
        out.append(vectors[begin:begin + len(item)].mean(axis=0))
        begin += len(item)
    return normalise(np.stack(out))


def label_groups(content):
    """Rows of the measured items that compete for each zero-shot prediction: the sampled vocabulary, and
    the default labels under each template (in measured_texts' order)."""
    n_sample = len(range(0, len(content.vocabulary), max(1, len(content.vocabulary) // MEASURED_LABELS)))
    n_sample = min(n_sample, MEASURED_LABELS)
    groups, begin = [np.arange(n_sample)], n_sample
    for _ in content.templates:
        groups.append(np.arange(begin, begin + len(content.default_labels)))
        begin += len(content.default_labels)
    return groups


def compare(live, reference, groups, near_tie):
    """Cosines (n_items, n_photos) from live vectors against the reference: the largest |difference|, and
    the share of (photo, label group) predictions whose top label agrees. A prediction whose top label
    leads the runner-up by less than near_tie is a near-tie: at the trained temperature (0.01) such a lead
    is under near_tie / 0.01 in logits (0.1 for 0.001: probabilities within about 10% of each other), and
    any rounding may swap them. Near-ties are counted, and their flips reported, but they are not in the agreement."""
    agree, ties, tie_flips = [], 0, 0
    for g in groups:
        for p in range(live.shape[1]):
            ranked = np.sort(reference[g, p])                         # (len(g),) ascending
            same = bool(live[g, p].argmax() == reference[g, p].argmax())
            if len(ranked) > 1 and ranked[-1] - ranked[-2] < near_tie:
                ties, tie_flips = ties + 1, tie_flips + (not same)
            else:
                agree.append(same)
    return dict(max_cosine_error=float(np.abs(live - reference).max()),
                top1_agreement=float(np.mean(agree)) if agree else 1.0,
                decided=len(agree), near_ties=ties, near_tie_flips=tie_flips)
