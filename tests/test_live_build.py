"""Live mode's build step (explainer/live.py): the parity in the manifest recomputed independently from the
ONNX files in site/live with onnxruntime (transformers' own tokenizer and image processor, the vectors the
site stores), the files it lists, its cache, and the ways to turn it off."""
import hashlib
import json
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from browser import decode
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


def session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


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


def test_text_parity_recomputed_from_the_onnx_file(built, stand_in):
    """Over the same 1,000 labels under the default template: live cosines to the six photos against the
    stored (float16) ones, within the bound, and the manifest's own figure reproduced to float16 rounding."""
    from transformers import CLIPTokenizer
    out, _, manifest, images, dim = built
    content = read_content(ROOT / "content", ROOT / "photos")
    default = [t.id for t in content.templates].index(content.settings["default_template"])
    labels = content.vocabulary[::len(content.vocabulary) // 1000][:1000]
    tokenizer = CLIPTokenizer.from_pretrained(stand_in.folder)
    text = session(out / "live" / manifest["text"]["file"])
    live = []
    for begin in range(0, len(labels), 250):
        prompts = [clean(content.templates[default].fill(label)) for label in labels[begin:begin + 250]]
        batch = tokenizer(prompts, padding=True, return_tensors="np")
        live.append(text.run(None, {"input_ids": batch["input_ids"].astype(np.int64),
                                    "attention_mask": batch["attention_mask"].astype(np.int64)})[0])
    live = np.concatenate(live)
    live /= np.linalg.norm(live, axis=1, keepdims=True)                                            # (1000, dim)
    stored = np.stack([decode(json.loads((out / label_file_name(label)).read_text())["vectors"], dim)[default]
                       for label in labels])                                                       # (1000, dim)
    error = np.abs(live @ images.T - stored @ images.T).max()
    assert error <= manifest["bound"]["max_cosine_error"]
    assert error == pytest.approx(manifest["text"]["parity"]["max_cosine_error"], abs=2e-5)  # float16 storage
    # top-1 agreement over the photos whose top label leads by at least the near-tie margin
    reference = stored @ images.T                                                                  # (1000, 6)
    ranked = np.sort(reference, axis=0)
    decided = ranked[-1] - ranked[-2] >= manifest["bound"]["near_tie"]                              # (6,)
    same = (live @ images.T).argmax(axis=0) == reference.argmax(axis=0)                             # (6,)
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
    from transformers import CLIPImageProcessorPil
    out, _, manifest, images, dim = built
    content = read_content(ROOT / "content", ROOT / "photos")
    pixels = CLIPImageProcessorPil.from_pretrained(stand_in.folder)(
        images=[p.image for p in content.photos], return_tensors="np")["pixel_values"].astype(np.float32)
    live = session(out / "live" / manifest["vision"]["file"]).run(None, {"pixel_values": pixels})[0]
    live /= np.linalg.norm(live, axis=1, keepdims=True)  # (6, dim)
    assert np.abs(live - images).max() < 5e-3
    texts = np.stack([decode(json.loads((out / label_file_name(label)).read_text())["vectors"], dim)[1]
                      for label in content.vocabulary[::60]])
    error = np.abs(texts @ live.T - texts @ images.T).max()
    assert error <= manifest["bound"]["max_cosine_error"]


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
