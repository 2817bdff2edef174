"""Stage "towers": a look inside both towers, for the deep dive "Inside the towers" (issue 33).

Per built-in photo, one forward pass of the vision tower with attn_implementation="eager" (the fused kernels
return no attention weights), output_attentions and output_hidden_states:
    attention  the class token's attention row at each layer and head: (L, H, 1 + grid * grid), the class token
               itself first, then the patches row by row; each row sums to 1 (softmax over every token)
    rollout    attention rollout (Abnar & Zuidema 2020): per layer the head-averaged attention plus the identity
               (the residual path), rows renormalised, multiplied from the first layer up; the class token's row
               after each layer: (L, 1 + grid * grid), each row sums to 1
    lens       a logit lens: the class token after each layer, through the tower's own post_layernorm and
               visual_projection, to unit length: (L, dim). The last row IS the photo's image vector; the file
               holds the page's own stored (float16) image vector there, so the page's last layer is its prediction
Per default label and (non-ensemble) template, one forward pass of the text tower: the end-of-text token's
attention to every token (mean over heads) at each layer, (L_text, n_tokens), and the token ids. Only the default
labels: a vocabulary label's file must stay small (12 KB gzip) and 6,000 labels x 6 templates more passes would
double the build's text work for a figure a reader opens for a few labels; the page says so for other labels and
offers live mode, whose text graph computes the same row (explainer/live/export.py text_tower, end_attention).

Every number is stored as float16 (the page's vector format, rows in the order above). Cached per photo (and per
text) under the model's cache namespace (embed.cache_namespace: weights, tokenizer, preprocessing).
"""
import logging
from dataclasses import dataclass

import numpy as np

from .compute import encode_vectors
from .errors import BuildError
from .textclean import clean

TOWERS_VERSION = 1  # bump when a stored number's recipe changes
TOWERS_DIR = "data/towers"            # <photo id>.json per photo, text.json for the labels
TEXT_FILE = f"{TOWERS_DIR}/text.json"
LENS_CHECK = 1e-3  # the lens's last row against the cached image vector (both float32): any more is a wrong lens
log = logging.getLogger(__name__)


@dataclass
class Towers:
    layers: int        # the vision tower's layers (12 for ViT-B/32; the stand-in has fewer)
    heads: int         # its attention heads per layer
    text_layers: int   # the text tower's layers
    grid: int          # patches per side
    photos: dict       # photo id -> {"attention": (L, H, T), "rollout": (L, T), "lens": (L, dim)} float32
    text: dict         # template id -> label -> {"tokens": [ids], "attention": (L_text, n_tokens)} float32


class TowerModel:
    """The checkpoint loaded once, with eager attention, on the first cache miss."""

    def __init__(self, folder, device):
        self.folder, self.device, self.model = folder, device, None

    def load(self):
        if self.model is None:
            import torch
            from transformers import CLIPModel, CLIPTokenizer
            from transformers.utils import logging as hf_logging

            from .embed import check_device
            hf_logging.disable_progress_bar()  # "Loading weights" says nothing useful in a build log
            self.device = check_device(self.device)
            self.torch = torch
            self.model = CLIPModel.from_pretrained(self.folder, attn_implementation="eager").eval().to(self.device)
            self.tokenizer = CLIPTokenizer.from_pretrained(self.folder)
        return self


def vision_numbers(model, torch, pixels):
    """(1, 3, S, S) pixel values -> {"attention": (L, H, T), "rollout": (L, T), "lens": (L, dim)} as float32."""
    with torch.inference_mode():
        out = model.vision_model(pixel_values=pixels, output_attentions=True, output_hidden_states=True)
        attentions = torch.stack([a[0] for a in out.attentions]).float()           # (L, H, T, T)
        classes = torch.stack([h[0, 0] for h in out.hidden_states[1:]])            # (L, width): after each layer
        lens = model.visual_projection(model.vision_model.post_layernorm(classes))  # (L, dim)
        lens = lens / lens.norm(dim=-1, keepdim=True)
    attentions = attentions.cpu().numpy()
    return {"attention": attentions[:, :, 0, :],
            "rollout": rollout(attentions.mean(axis=1))[:, 0, :].astype(np.float32),
            "lens": lens.float().cpu().numpy()}


def rollout(mean_attention):
    """(L, T, T) head-averaged attention -> (L, T, T): after layer l, the product of (A_i + I) / rowsum over
    i = 1..l, the last layer's on the left (Abnar & Zuidema 2020): what reaches each token through the residual
    path and every layer below, not one layer's weights alone. float64; the page's rules/towers.js rollout is
    the same recipe (for the reader's own photo; tests/test_towers.py holds them equal)."""
    tokens = mean_attention.shape[-1]
    total = np.eye(tokens, dtype=np.float64)
    out = []
    for layer in mean_attention.astype(np.float64):
        mixed = layer + np.eye(tokens)
        mixed /= mixed.sum(axis=-1, keepdims=True)
        total = mixed @ total
        out.append(total.copy())
    return np.stack(out)


def text_numbers(model, torch, tokenizer, text):
    """One prompt -> {"tokens": ids with start and end, "attention": (L_text, n) the end token's row, mean over
    heads}, the end token being the one whose state becomes the text vector (sharedprefix.pooled_position)."""
    from .sharedprefix import pooled_position
    ids = tokenizer(text, truncation=True, max_length=model.config.text_config.max_position_embeddings)["input_ids"]
    end = pooled_position(ids, model.config.text_config.eos_token_id)
    with torch.inference_mode():
        out = model.text_model(input_ids=torch.tensor([ids], device=model.device), output_attentions=True)
    rows = torch.stack([a[0, :, end, :end + 1].mean(dim=0) for a in out.attentions]).float().cpu().numpy()
    return {"tokens": ids[:end + 1], "attention": rows}  # (L_text, end + 1): the causal mask hides what follows


def compute_towers(content, model_files, cache, clip, device="auto"):
    """Towers for every built-in photo and every default label under each template but the ensemble."""
    from .embed import cache_namespace
    namespace = cache_namespace(model_files)
    tower = TowerModel(model_files.folder, device)
    arrays = lambda record: {k: np.asarray(v, dtype=np.float32) for k, v in record.items()}  # noqa: E731

    def photo_record(photo):
        def run():
            loaded = tower.load()
            pixels = clip.preprocess(photo.image).to(loaded.device)
            return {k: v.tolist() for k, v in vision_numbers(loaded.model, loaded.torch, pixels).items()}
        return arrays(cache.memo("towers", f"{namespace}-v{TOWERS_VERSION}-{photo.sha256}", run))

    def text_record(prompt):
        import hashlib
        key = hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:32]

        def run():
            loaded = tower.load()
            found = text_numbers(loaded.model, loaded.torch, loaded.tokenizer, prompt)
            return {"tokens": found["tokens"], "attention": found["attention"].tolist()}
        record = cache.memo("towers", f"{namespace}-v{TOWERS_VERSION}-text-{key}", run)
        return {"tokens": record["tokens"], "attention": np.asarray(record["attention"], dtype=np.float32)}

    photos = {photo.id: photo_record(photo) for photo in content.photos}
    text = {t.id: {label: text_record(clean(t.fill(label))) for label in content.default_labels}
            for t in content.templates if not t.ensemble}
    first = next(iter(photos.values()))
    layers, heads, tokens = first["attention"].shape
    grid = model_files.shape.patches_per_side
    if tokens != 1 + grid * grid:
        raise BuildError(f"the vision tower has {tokens} tokens, not 1 + {grid} x {grid}: its grid is not the "
                         f"checkpoint's image_size / patch_size", model_files.folder / "config.json")
    text_layers = next(iter(next(iter(text.values())).values()))["attention"].shape[0] if text else 0
    return Towers(layers, heads, text_layers, grid, photos, text)


def lens_with_image_vectors(towers, photo_ids, image_vectors):
    """Each photo's lens, its last row replaced by the image vector the page stores (image_vectors: (P, dim), the
    page's rounded vectors' source): both are the same vector, and now the same bytes. Raises when they differ by
    more than float32 noise (a lens through the wrong layer norm or projection)."""
    out = {}
    for i, photo in enumerate(photo_ids):
        lens = towers.photos[photo]["lens"].copy()                     # (L, dim)
        gap = float(np.abs(lens[-1] - image_vectors[i]).max())
        if gap > LENS_CHECK:
            raise BuildError(f"the logit lens's last layer for photo {photo!r} differs from its image vector "
                             f"by {gap:.2g}")
        lens[-1] = image_vectors[i]
        out[photo] = lens
    return out


def snapshot_towers(towers):
    """The snapshot's few bytes: where the files are and the sizes the controls and the link need."""
    return dict(folder=TOWERS_DIR, text=TEXT_FILE, layers=towers.layers, heads=towers.heads,
                text_layers=towers.text_layers, grid=towers.grid)


def write_towers(site, towers, photo_ids, image_vectors):
    """data/towers/<photo id>.json: {layers, heads, grid, attention (L, H, T), rollout (L, T), lens (L, dim)} and
    data/towers/text.json: {layers, templates: {id: {label: {tokens, attention (L_text, n)}}}}, float16 base64."""
    from .write import write_json
    lenses = lens_with_image_vectors(towers, photo_ids, image_vectors)
    for photo in photo_ids:
        record = towers.photos[photo]
        write_json(site / TOWERS_DIR / f"{photo}.json", {
            "layers": towers.layers, "heads": towers.heads, "grid": towers.grid,
            "attention": encode_vectors(record["attention"]), "rollout": encode_vectors(record["rollout"]),
            "lens": encode_vectors(lenses[photo])})
    write_json(site / TEXT_FILE, {"layers": towers.text_layers, "templates": {
        template: {label: {"tokens": r["tokens"], "attention": encode_vectors(r["attention"])}
                   for label, r in labels.items()} for template, labels in towers.text.items()}})


def towers_first_paint(content, numbers, towers, default, views, pieces):
    """The three figures' default view, drawn by the page's own rules (rules/towers.js) from the numbers as the page
    decodes them (float16): the default photo's class-token attention at the last layer, mean over heads; the lens
    for the default labels under the default template and temperature; the end token's attention at the text
    tower's last layer for the top label. pieces: the snapshot's {token id: text}."""
    from .compute import as_stored
    p, t, k = default.index
    photo = content.photos[p].id
    record = towers.photos[photo]
    tokens = record["attention"].shape[-1]
    data = dict(attention=as_stored(record["attention"]).ravel(), rollout=as_stored(record["rollout"]).ravel(),
                heads=towers.heads, tokens=tokens)
    lens = lens_with_image_vectors(towers, [photo], numbers.image[p:p + 1])[photo]
    texts = numbers.text[t, numbers.label_index].astype(np.float32)      # (n_labels, dim), as the page decodes them
    tau = float(content.temperatures[k])
    labels = content.default_labels
    top = labels[int(np.argmax(numbers.probabilities[p, t, k]))]
    template = content.templates[t]
    text_template = template.id if template.id in towers.text else next(iter(towers.text), None)  # not the ensemble
    text = towers.text.get(text_template, {})
    label = top if top in text else next(iter(text), None)
    calls = [("towers", "attentionView", data, towers.grid, towers.layers, "mean", "attention", towers.layers),
             ("towers", "lensFigure", as_stored(lens), texts, labels, tau, towers.layers, LENS_WIDTH, LENS_HEIGHT)]
    if label is not None:
        ids = text[label]["tokens"]
        names = [pieces.get(str(token), f"#{token}") for token in ids]  # raw BPE pieces
        calls.append(("towers", "textAttentionView", as_stored(text[label]["attention"]).ravel(), len(ids),
                      towers.text_layers, names, label, towers.text_layers))
    attention, lens_figure, *words = views.call(*calls)                 # one round trip
    text_view = None
    if words:
        text_view = dict(words[0], label=label, template=text_template, n=len(text[label]["tokens"]))
    return dict(photo=photo, layers=towers.layers, heads=towers.heads, grid=towers.grid,
                text_layers=towers.text_layers, attention=attention,
                lens=dict(lens_figure, labels=labels, width=LENS_WIDTH, height=LENS_HEIGHT), text=text_view,
                text_labels=list(text))


LENS_WIDTH, LENS_HEIGHT = 320, 200  # the lens chart's viewBox (it scales to its column)
