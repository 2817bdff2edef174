"""Live mode's build step (explainer/live/): the parity in the manifest recomputed from the files in site/live
with onnxruntime-web's WebAssembly engine in Node (the reader's engine, the same numbers on any CPU; the photos
preprocessed by transformers, the vectors the site stores), the files it lists, its cache, and the ways to turn
it off."""
import hashlib
import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
from browser import decode, in_web_engine
from conftest import ROOT, read_snapshot, small_build

from explainer.content import read_content
from explainer.data import label_file_name
from explainer.errors import BuildError
from explainer.live import VARIANTS, compare, files_of, tower_files
from explainer.textclean import clean


@pytest.fixture(scope="module")
def built(site):
    out, report = site
    manifest = json.loads((out / "live" / "manifest.json").read_text())
    embeddings = json.loads((out / "data" / "embeddings.json").read_text())
    dim = embeddings["model"]["dim"]
    return out, report, manifest, decode(embeddings["vectors"]["image"], dim), dim


def test_manifest_lists_files_that_are_there(built):
    out, _, manifest, _, _ = built
    for entry in files_of(manifest):  # each tower's graph and its weights file, tokenizer.json, entities.json
        data = (out / "live" / entry["file"]).read_bytes()
        assert len(data) == entry["bytes"] and hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert manifest["text"]["variant"] in VARIANTS
    assert manifest["measured"]["labels"] >= 1000 and manifest["measured"]["photos"] == 6
    assert sorted(p.name for p in (out / "live").iterdir()) == sorted(
        [e["file"] for e in files_of(manifest)] + ["manifest.json"])
    for tower in ("text", "vision"):  # the weights apart: every large initializer is in the weights file
        graph = onnx.load(str(out / "live" / manifest[tower]["file"]), load_external_data=False).graph
        inline = [i.name for i in graph.initializer if i.data_location != onnx.TensorProto.EXTERNAL
                  and len(i.raw_data) > 1024]
        places = {e.value for i in graph.initializer for e in i.external_data if e.key == "location"}
        assert not inline and places == {manifest[tower]["data"]["file"]}, (inline, places)


def measured_items(content):
    """(labels, items): the 1,000 vocabulary labels measured, and every item measured, (template index, label,
    prompts): each label under the default template, then every default (template, label) pair."""
    default = [t.id for t in content.templates].index(content.settings["default_template"])
    labels = content.vocabulary[::len(content.vocabulary) // 1000][:1000]
    items = [(default, label, [clean(content.templates[default].fill(label))]) for label in labels]
    for t, template in enumerate(content.templates):
        for label in content.default_labels:
            prompts = ([clean(e.replace("{label}", label)) for e in content.ensemble_templates] if template.ensemble
                       else [clean(template.fill(label))])
            items.append((t, label, prompts))
    return labels, items


def stored_items(out, items, dim):
    """(n_items, dim): each item's vector as the site stores it (float16, in its label's file)."""
    files = {label: decode(json.loads((out / label_file_name(label)).read_text())["vectors"], dim)
             for label in {label for _, label, _ in items}}
    return np.stack([files[label][t] for t, label, _ in items])


def test_text_parity_recomputed_from_the_onnx_file(built):
    """The manifest's text parity recomputed from site/live's files in onnxruntime-web (Node), so on any CPU: the
    same texts in the same batches as the build (1,000 vocabulary labels under the default template, then every
    default (template, label) pair, an ensemble pair as the mean of its sentences; 256 texts a run: dynamic int8
    rounds each activation per batch), their cosines to the six photos against the stored (float16) ones:
    within the bound, and the manifest's own figure to float16 rounding."""
    out, _, manifest, images, dim = built
    content = read_content(ROOT / "content", ROOT / "photos")
    labels, items = measured_items(content)
    assert manifest["measured"]["items"] == len(items)
    vectors = in_web_engine(out, "text", [p for _, _, prompts in items for p in prompts], batch=256)
    live, begin = [], 0
    for _, _, prompts in items:
        mean = vectors[begin:begin + len(prompts)].mean(axis=0)
        live.append(mean / np.linalg.norm(mean))
        begin += len(prompts)
    live = np.stack(live)                                                                          # (n_items, dim)
    stored = stored_items(out, items, dim)                                                         # (n_items, dim)
    error = np.abs(live @ images.T - stored @ images.T).max()
    assert error <= manifest["bound"]["max_cosine_error"]
    assert error == pytest.approx(manifest["text"]["parity"]["max_cosine_error"], abs=2e-5)  # float16 storage
    # top-1 agreement over the 1,000 labels, for the photos whose top label leads by at least the near-tie margin
    reference = stored[:len(labels)] @ images.T                                                    # (1000, 6)
    ranked = np.sort(reference, axis=0)
    decided = ranked[-1] - ranked[-2] >= manifest["bound"]["near_tie"]                              # (6,)
    same = (live[:len(labels)] @ images.T).argmax(axis=0) == reference.argmax(axis=0)               # (6,)
    assert not decided.any() or same[decided].mean() >= manifest["bound"]["min_top1_agreement"]


def test_near_ties_are_reported_and_not_counted():
    """Two photos, three labels: photo 0 leads by 0.0005 (a near-tie) and its rounded copy flips; photo 1
    leads by 0.05 and flips too. Only photo 1 counts against the agreement."""
    reference = np.array([[0.3000, 0.20], [0.3005, 0.25], [0.1, 0.30]])  # (labels, photos)
    live = np.array([[0.3010, 0.26], [0.3004, 0.25], [0.1, 0.24]])
    p = compare(live, reference, [np.arange(3)], near_tie=0.001)
    assert (p["decided"], p["near_ties"], p["near_tie_flips"], p["top1_agreement"]) == (1, 1, 1, 0.0)
    assert p["max_cosine_error"] == pytest.approx(0.06)
    strict = compare(live, reference, [np.arange(3)], near_tie=0.0)
    assert (strict["decided"], strict["near_ties"], strict["top1_agreement"]) == (2, 0, 0.0)
    assert compare(reference, reference, [np.arange(3)], near_tie=0.001)["top1_agreement"] == 1.0


def test_image_parity_recomputed_from_the_onnx_file(built, stand_in):
    """The six photos through site/live's vision tower in onnxruntime-web (Node), preprocessed by transformers:
    their vectors near the stored ones, the manifest's parity reproduced, and text-photo cosines within the bound."""
    from transformers import CLIPImageProcessorPil
    out, _, manifest, images, dim = built
    content = read_content(ROOT / "content", ROOT / "photos")
    pixels = CLIPImageProcessorPil.from_pretrained(stand_in.folder)(
        images=[p.image for p in content.photos], return_tensors="np")["pixel_values"].astype(np.float32)
    live = in_web_engine(out, "vision", pixels=pixels, batch=16)  # (6, dim), the build's one batch
    assert np.abs(live - images).max() < 5e-3
    texts = stored_items(out, measured_items(content)[1], dim)  # (n_items, dim)
    parity = np.abs(texts @ live.T - texts @ images.T).max()
    assert parity == pytest.approx(manifest["vision"]["parity"]["max_cosine_error"], abs=2e-5)  # float16 storage
    texts = np.stack([decode(json.loads((out / label_file_name(label)).read_text())["vectors"], dim)[1]
                      for label in content.vocabulary[::60]])
    error = np.abs(texts @ live.T - texts @ images.T).max()
    assert error <= manifest["bound"]["max_cosine_error"]


def test_towers_outputs_recomputed_from_the_onnx_file(built, stand_in):
    """The vision graph's extra outputs (the towers figures' numbers for one photo), run for the six photos in
    onnxruntime-web (Node) from site/live's files: the class token's attention (L, H, T) and the lens (L, dim)
    near torch's (explainer/towers.py, eager attention, recomputed here) and the site's data/towers files, and the
    manifest's towers parity reproduced and within the bound."""
    import torch
    from browser import web_engine
    from transformers import CLIPImageProcessorPil, CLIPModel

    from explainer.live import image_job
    from explainer.towers import rollout, vision_numbers
    out, _, manifest, images, dim = built
    content = read_content(ROOT / "content", ROOT / "photos")
    pixels = CLIPImageProcessorPil.from_pretrained(stand_in.folder)(
        images=[p.image for p in content.photos], return_tensors="np")["pixel_values"].astype(np.float32)
    (live,) = web_engine(out, "vision", lambda graph, weights: [
        image_job(graph, weights, pixels, 16, extra=("class_attention", "lens", "mean_attention"))])
    model = CLIPModel.from_pretrained(stand_in.folder, attn_implementation="eager").eval()
    found = [vision_numbers(model, torch, torch.from_numpy(pixels[i:i + 1])) for i in range(len(pixels))]
    attention = np.stack([f["attention"] for f in found])             # (6, L, H, T)
    lens = np.stack([f["lens"] for f in found])                       # (6, L, dim)
    live_attention = live["class_attention"].reshape(attention.shape)
    live_lens = live["lens"].reshape(lens.shape)
    assert np.allclose(live_attention.sum(axis=-1), 1, atol=1e-4)    # softmax rows
    assert np.allclose(np.linalg.norm(live_lens, axis=-1), 1, atol=1e-5)
    towers = manifest["vision"]["parity"]["towers"]
    assert np.abs(live_attention - attention).max() == pytest.approx(towers["attention_max_error"], abs=1e-6)
    tokens = attention.shape[-1]
    means = live["mean_attention"].reshape(len(pixels), -1, tokens, tokens)  # (6, L, T, T), heads averaged
    assert np.allclose(means[:, :, 0, :], live_attention.mean(axis=2), atol=1e-6)  # the class row is one of them
    rolled = np.stack([rollout(m)[:, 0, :] for m in means])                # (6, L, T)
    assert np.abs(rolled - np.stack([f["rollout"] for f in found])).max() == pytest.approx(
        towers["rollout_max_error"], abs=1e-6)
    texts = stored_items(out, measured_items(content)[1], dim)       # (n_items, dim), float16 as stored
    lens_error = np.abs((live_lens - lens).reshape(-1, dim) @ texts.T).max()
    assert lens_error == pytest.approx(towers["lens_max_cosine_error"], abs=2e-5)
    bound = manifest["bound"]["max_cosine_error"]
    assert towers["ok"] and max(towers["attention_max_error"], towers["rollout_max_error"],
                                towers["lens_max_cosine_error"]) <= bound
    for i, photo in enumerate(content.photos):                        # the files the built-in photos are drawn from
        stored = json.loads((out / "data" / "towers" / f"{photo.id}.json").read_text())
        assert np.abs(decode(stored["attention"], attention.shape[-1]).reshape(attention.shape[1:])
                      - live_attention[i]).max() < 2e-3
        assert np.abs(decode(stored["lens"], dim)[:-1] - live_lens[i, :-1]).max() < 2e-2


def test_text_towers_output_recomputed_from_the_onnx_file(built, stand_in):
    """The text graph's second output (the text-attention figure's numbers for one label), run one prompt at a time
    in onnxruntime-web (Node) from site/live's files for every default label under every single template: the end
    token's attention per layer, mean over heads, near torch's (explainer/towers.py text_numbers, eager attention,
    recomputed here) and the site's data/towers/text.json (float16), 0 beyond the end token (the causal mask), and
    the manifest's text towers parity reproduced and within the bound. The first output is the vector, as before."""
    import torch
    from browser import web_engine
    from transformers import CLIPModel, CLIPTokenizer

    from explainer.live import text_job
    from explainer.towers import text_numbers
    out, _, manifest, _, dim = built
    content = read_content(ROOT / "content", ROOT / "photos")
    pairs = [(t.id, label, clean(t.fill(label))) for t in content.templates if not t.ensemble
             for label in content.default_labels]
    (live,) = web_engine(out, "text", lambda graph, weights: [
        text_job(graph, weights, [prompt for _, _, prompt in pairs], 1, extra=("end_attention",))])
    model = CLIPModel.from_pretrained(stand_in.folder, attn_implementation="eager").eval()
    tokenizer = CLIPTokenizer.from_pretrained(stand_in.folder)
    stored = json.loads((out / "data" / "towers" / "text.json").read_text())
    context = manifest["model"]["context_length"]
    rows = live["end_attention"].reshape(len(pairs), -1, context)        # (n, L, context), 0 past each text
    assert live["text_embeds"].shape == (len(pairs), dim)
    error = 0.0
    for (template, label, prompt), row in zip(pairs, rows, strict=True):
        found = text_numbers(model, torch, tokenizer, prompt)
        n = len(found["tokens"])
        assert row.shape[0] == stored["layers"] == found["attention"].shape[0]
        assert np.allclose(row.sum(axis=-1), 1, atol=1e-4) and not row[:, n:].any()  # softmax rows, masked after
        error = max(error, float(np.abs(row[:, :n] - found["attention"]).max()))
        record = stored["templates"][template][label]
        assert record["tokens"] == found["tokens"]
        assert np.abs(decode(record["attention"], n) - row[:, :n]).max() < 2e-3   # float16 storage and the bound
    towers = manifest["text"]["parity"]["towers"]
    assert error == pytest.approx(towers["attention_max_error"], abs=1e-6)
    assert towers["ok"] and error <= manifest["bound"]["max_cosine_error"]


def test_the_web_engine_without_its_runtime_names_the_missing_file(tmp_path):
    """run_in_node with a node_modules that lacks onnxruntime-web: a BuildError naming the file, and npm ci."""
    from explainer.live import run_in_node, text_job
    with pytest.raises(BuildError) as error:
        run_in_node(tmp_path, [text_job(tmp_path / "text-int8.graph.onnx", None, ["a cat"])])
    assert "npm ci" in str(error.value) and "onnxruntime-web" in str(error.value)


def test_snapshot_carries_the_summary(built):
    out, _, manifest, _, _ = built
    live = read_snapshot((out / "index.html").read_text())["live"]
    assert live["manifest"] == "live/manifest.json"
    assert live["text_bytes"] == manifest["download"]["text"]
    assert live["vision_bytes"] == sum(e["gzip_bytes"] for e in tower_files(manifest["vision"]))  # graph, weights
    assert live["parity"]["both"]["max_cosine_error"] == manifest["parity_both"]["max_cosine_error"]


def test_warm_rebuild_exports_nothing_and_a_setting_turns_it_off(small):
    content, photos, cache, out = small
    lines = []
    small_build(small, live=True, log=lines.append)
    assert any("exporting" in line for line in lines)
    assert any(line.startswith("  live: text tower ") and "max |cosine error|" in line for line in lines)
    assert (out / "live" / "manifest.json").exists()
    lines.clear()
    small_build(small, live=True, log=lines.append)
    assert not any("exporting" in line for line in lines)  # from .cache/live/
    settings = content / "settings.yaml"
    settings.write_text(settings.read_text().replace("  enabled: true", "  enabled: false"))
    small_build(small, live=True)
    assert not (out / "live").exists() and not (out / "vendor" / "ort-wasm-simd-threaded.wasm").exists()
    assert read_snapshot((out / "index.html").read_text())["live"] is None


def test_no_live_flag_skips_it(small):
    content, photos, cache, out = small
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--model", "stand-in", "--out", str(out),
                             "--content", str(content), "--photos", str(photos), "--cache", str(cache), "--no-live"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert not (out / "live").exists() and not (cache / "live").exists()
    assert "live:" not in result.stderr


@pytest.mark.parametrize("old, line, message", [
    ("  max_cosine_error: 0.005", "  max_cosine_error: 2",
     "live: max_cosine_error must be a number from 0 to 1, not 2"),
    ("  enabled: true", "  enabled: maybe", "live: enabled must be true or false, not 'maybe'"),
    ("  min_top1_agreement: 1.0", "  typo: 1", "unknown key 'typo' in live settings"),
    ("  near_tie: 0.001", "  near_tie: -1", "live: near_tie must be a number from 0 to 1, not -1"),
])
def test_bad_live_settings_name_file_and_line(small, old, line, message):
    content, photos, cache, out = small
    settings = content / "settings.yaml"
    text = settings.read_text().replace(old, line)
    settings.write_text(text)
    number = text.splitlines().index(line) + 1
    with pytest.raises(BuildError) as error:
        small_build(small)
    assert str(error.value).startswith(f"{settings}:{number}: {message}")
