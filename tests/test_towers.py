"""Inside the towers (issue 33), the build's side (stand-in): data/towers/ against an independent forward pass in
transformers (eager attention, output_attentions / output_hidden_states), the rows summing to 1, the lens's last
layer being the page's own stored image vector, and the bytes a photo costs."""
import base64
import gzip
import json

import numpy as np
import pytest
import torch
from browser import decode
from conftest import ROOT, read_snapshot

from explainer.content import read_content
from explainer.textclean import clean

HALF = 1e-3  # float16's rounding of numbers in [0, 1] (2^-11 relative), with room
VIT_B32 = dict(layers=12, heads=12, tokens=50, dim=512)  # the published page's checkpoint
PHOTO_BYTES = 30_000  # gzip, per photo (issue 33)


@pytest.fixture(scope="module")
def built(site, stand_in):
    from transformers import CLIPImageProcessorPil, CLIPModel, CLIPTokenizer
    out, _ = site
    model = CLIPModel.from_pretrained(stand_in.folder, attn_implementation="eager").eval()
    processor = CLIPImageProcessorPil.from_pretrained(stand_in.folder)
    return out, model, processor, CLIPTokenizer.from_pretrained(stand_in.folder)


def stored(out, photo):
    data = json.loads((out / "data" / "towers" / f"{photo}.json").read_text())
    tokens = 1 + data["grid"] ** 2
    dim = len(base64.b64decode(data["lens"])) // 2 // data["layers"]
    return (data, decode(data["attention"], tokens).reshape(data["layers"], data["heads"], tokens),
            decode(data["rollout"], tokens), decode(data["lens"], dim))


def test_rows_sum_to_one_per_layer_and_head(built):
    out = built[0]
    for photo in ("cat", "rocket"):
        data, attention, rollout, _ = stored(out, photo)
        assert attention.shape == (data["layers"], data["heads"], 1 + data["grid"] ** 2)
        np.testing.assert_allclose(attention.sum(axis=-1), 1, atol=HALF * 5)         # (L, H)
        np.testing.assert_allclose(attention.mean(axis=1).sum(axis=-1), 1, atol=HALF * 5)  # the mean over heads
        np.testing.assert_allclose(rollout.sum(axis=-1), 1, atol=HALF * 5)           # (L,)
        assert (attention >= 0).all() and (rollout >= 0).all()
    text = json.loads((out / "data" / "towers" / "text.json").read_text())
    for labels in text["templates"].values():
        for record in labels.values():
            rows = decode(record["attention"], len(record["tokens"]))
            assert rows.shape[0] == text["layers"]
            np.testing.assert_allclose(rows.sum(axis=-1), 1, atol=HALF * 5)


def independent(model, processor, image):
    """The class token's attention (L, H, T), rollout (L, T) and lens (L, dim), recomputed here."""
    pixels = processor(images=[image], return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        out = model.vision_model(pixel_values=pixels, output_attentions=True, output_hidden_states=True)
        attention = torch.cat(out.attentions)[:, :, 0, :].numpy()                           # (L, H, T)
        lens = []
        for hidden in out.hidden_states[1:]:
            v = model.visual_projection(model.vision_model.post_layernorm(hidden[:, 0]))[0]
            lens.append((v / v.norm()).numpy())
        full = torch.cat(out.attentions).mean(dim=1).double()                               # (L, T, T)
    eye = torch.eye(full.shape[-1], dtype=torch.float64)
    product, rolled = eye, []
    for layer in full:
        step = (layer + eye) / (layer + eye).sum(dim=-1, keepdim=True)
        product = step @ product
        rolled.append(product[0].numpy())
    return attention, np.stack(rolled), np.stack(lens)


def test_the_numbers_are_a_forward_pass_of_the_checkpoint(built):
    out, model, processor, _ = built
    content = read_content(ROOT / "content", ROOT / "photos", False)
    snapshot = read_snapshot((out / "index.html").read_text())
    ids = [p["id"] for p in snapshot["photos"]]
    images = decode(snapshot["vectors"]["image"], snapshot["model"]["dim"])
    for photo in content.photos[:2]:
        data, attention, rollout, lens = stored(out, photo.id)
        want_attention, want_rollout, want_lens = independent(model, processor, photo.image)
        assert data["layers"] == model.config.vision_config.num_hidden_layers  # the checkpoint's, not 12
        assert data["heads"] == model.config.vision_config.num_attention_heads
        assert data["grid"] == model.config.vision_config.image_size // model.config.vision_config.patch_size
        np.testing.assert_allclose(attention, want_attention, atol=HALF)
        np.testing.assert_allclose(rollout, want_rollout, atol=HALF)
        np.testing.assert_allclose(lens[:-1], want_lens[:-1], atol=HALF)
        # the last layer IS the image vector: the page's own stored bytes, and the same direction as the forward's
        assert lens[-1].tobytes() == images[ids.index(photo.id)].tobytes()
        np.testing.assert_allclose(lens[-1], want_lens[-1], atol=HALF)
        assert snapshot["towers"]["layers"] == data["layers"] and snapshot["towers"]["heads"] == data["heads"]


def test_the_text_side_is_the_end_tokens_row(built):
    out, model, _, tokenizer = built
    text = json.loads((out / "data" / "towers" / "text.json").read_text())
    content = read_content(ROOT / "content", ROOT / "photos", False)
    assert "ensemble" not in text["templates"]  # 80 prompts averaged: no one end token
    template = next(t for t in content.templates if t.id == "photo")
    for label in ("cat", "cup of coffee"):
        record = text["templates"]["photo"][label]
        ids = tokenizer(clean(template.fill(label)))["input_ids"]
        assert record["tokens"] == ids and ids[-1] == tokenizer.eos_token_id
        with torch.no_grad():
            forward = model.text_model(input_ids=torch.tensor([ids]), output_attentions=True)
        want = torch.cat(forward.attentions)[:, :, -1, :].mean(dim=1).numpy()                 # (L_text, n)
        np.testing.assert_allclose(decode(record["attention"], len(ids)), want, atol=HALF)


def test_bytes_per_photo(built):
    """Each photo's file within 30 KB gzip; and, at the same bytes per stored number, ViT-B/32's too (12 layers
    of 12 heads over 50 tokens, 512 dimensions), since the stand-in's towers are smaller."""
    out = built[0]
    for path in sorted((out / "data" / "towers").glob("*.json")):
        if path.name == "text.json":
            continue
        raw = path.read_bytes()
        data = json.loads(raw)
        numbers = sum(len(base64.b64decode(data[k])) // 2 for k in ("attention", "rollout", "lens"))
        packed = len(gzip.compress(raw))
        assert packed <= PHOTO_BYTES, (path.name, packed)
        b = VIT_B32
        projected = packed / numbers * (b["layers"] * b["heads"] * b["tokens"] + b["layers"] * b["tokens"]
                                        + b["layers"] * b["dim"])
        assert projected <= PHOTO_BYTES, (path.name, round(projected))


def test_the_pages_rollout_is_the_builds():
    """rules/towers.js rollout (the page's, for the reader's own photo from the live graph's head-averaged
    attention) against explainer/towers.py rollout (the build's, for the built-in photos): one recipe, equal to
    float64 rounding, on softmax rows with a strong diagonal and on rows that avoid it."""
    from explainer.towers import rollout
    from explainer.views import Views
    rng = np.random.default_rng(33)
    layers, tokens = 4, 10
    logits = rng.normal(size=(layers, tokens, tokens)) * 3
    logits[1] += 6 * np.eye(tokens)
    attention = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)  # (L, T, T), rows sum to 1
    with Views(ROOT / "templates" / "assets") as views:
        page = np.array(views.one("towers", "rollout", attention.ravel(), layers, tokens)).reshape(layers, tokens)
    build = rollout(attention)[:, 0, :]                                       # (L, T) float64
    assert np.abs(page - build).max() < 1e-12
    assert np.allclose(page.sum(axis=-1), 1, atol=1e-12)
    assert np.abs(page[0] - (attention[0, 0] + np.eye(tokens)[0]) / 2).max() < 1e-12  # layer 1: (A + I) / 2


def test_the_rules_store_and_link_in_node():
    """tests/towers_in_node.mjs: the store's layer/head/view actions, their link, and rules/towers.js."""
    import subprocess
    done = subprocess.run(["node", "--test", str(ROOT / "tests" / "towers_in_node.mjs")], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_the_first_paint_is_the_default_view(built):
    """Without JavaScript: the default photo's map at the last layer (mean of the heads), and the lens whose last
    layer is the build's own probabilities for the default view (data/grid.json) to 1e-6."""
    import re
    out = built[0]
    html = (out / "towers.html").read_text()
    snapshot = read_snapshot(html)
    default = snapshot["default"]
    data, attention, _, _ = stored(out, default["photo"])
    figure = re.search(r'<figure class="towers-map" data-testid="attention-figure"([^>]*)>', html)[1]
    assert f'data-layer="{data["layers"]}"' in figure and 'data-head="mean"' in figure
    values = [float(v) for v in re.findall(r'<rect x="\d+" y="\d+" width="1" height="1" fill-opacity="[\d.]+" '
                                           r'data-row="\d+" data-col="\d+" data-value="([^"]+)"', html)]
    np.testing.assert_allclose(values, attention[-1].mean(axis=0)[1:], atol=1e-6)
    grid = json.loads((out / "data" / "grid.json").read_text())
    p, t = grid["photos"].index(default["photo"]), grid["templates"].index(default["template"])
    want = dict(zip(grid["labels"], grid["probabilities"][p][t][default["tau_index"]], strict=True))
    points = re.findall(r'<circle class="series-\d" r="2.5" cx="[^"]+" cy="[^"]+" data-layer="(\d+)" '
                        r'data-label="([^"]+)" data-prob="([^"]+)"', html)
    last = {label: float(prob) for layer, label, prob in points if int(layer) == data["layers"]}
    assert set(last) == set(want)
    for label, prob in want.items():
        assert last[label] == pytest.approx(prob, abs=1e-6)
    assert len(points) == data["layers"] * len(want)
