"""Several models on one site (issue 36, section 1): the small inputs built once with two stand-ins of different
shapes (tests/conftest.py `two_models`: the ViT-B/32-shaped default and the ViT-L/14-shaped "stand-in-l14").
The second model's data lives under models/<slug>/, mirroring the default's file names; every number it stores
equals numpy from its own stored vectors; the default's data is the bytes a one-model build writes."""
import base64
import filecmp
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import CACHE, ROOT, cache_lock, make_small_inputs, read_snapshot

from explainer.data import label_file_name
from explainer.errors import BuildError
from explainer.pipeline import build
from explainer.settings import read_models
from explainer.yamlfile import parse_yaml

SECOND = "stand-in-l14"


def decode(text, dim):
    """Independent of the build's decoder: raw little-endian float16 -> float64 rows of dim."""
    return np.frombuffer(base64.b64decode(text), dtype=np.dtype("<f2")).astype(np.float64).reshape(-1, dim)


@pytest.fixture(scope="module")
def second(two_models):
    """(the site, the second model's root folder, its model.json, its grid.json)."""
    out, _ = two_models
    root = out / "models" / SECOND
    own = json.loads((root / "data" / "model.json").read_text())
    grid = json.loads((root / "data" / "grid.json").read_text())
    return out, root, own, grid


def test_the_snapshot_lists_every_model_with_its_sizes(two_models):
    out, _ = two_models
    models = read_snapshot((out / "index.html").read_text())["models"]
    assert [m["id"] for m in models] == ["stand-in", SECOND]
    first, other = models
    assert (first["dim"], first["patch_size"], first["image_size"], first["grid"]) == (512, 32, 224, 7)
    assert (other["dim"], other["patch_size"], other["image_size"], other["grid"]) == (768, 14, 224, 16)
    assert first["file"] is None and first["root"] == ""
    assert other["root"] == f"models/{SECOND}/" and other["file"] == f"models/{SECOND}/data/model.json"
    assert (out / other["file"]).is_file()
    assert all(m["embed_ms"] > 0 for m in models)


@pytest.mark.parametrize("index", [0, 1])
def test_parameter_counts_equal_torchs(two_models, index):
    """Counted from the weight file's header by the build; here by torch, from the loaded model's modules."""
    from transformers import CLIPModel

    from explainer.model import resolve_model
    out, _ = two_models
    entry = read_snapshot((out / "index.html").read_text())["models"][index]
    model = CLIPModel.from_pretrained(resolve_model(entry["name"], CACHE).folder)
    count = lambda *modules: sum(p.numel() for m in modules for p in m.parameters())  # noqa: E731
    assert entry["parameters"] == dict(vision=count(model.vision_model, model.visual_projection),
                                       text=count(model.text_model, model.text_projection),
                                       total=count(model))


def test_second_models_numbers_equal_numpy_from_its_vectors(second):
    _, _, own, grid = second
    dim = own["model"]["dim"]
    assert dim == 768 and own["model"]["name"] == SECOND
    images = decode(own["vectors"]["image"], dim)                                   # (6, 768)
    assert np.allclose(np.linalg.norm(images, axis=1), 1, atol=2e-3)
    for t, template in enumerate(grid["templates"]):
        labels = decode(own["vectors"]["text"][template], dim)                      # (L, 768)
        cosines = images @ labels.T                                                 # (6, L)
        np.testing.assert_allclose(np.array(grid["similarities"])[:, t], cosines, atol=1e-6)
        for k, tau in enumerate(grid["temperatures"]):
            logits = cosines / tau
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            # float32 in the build, float64 here, over logits up to 1/tau = 1000: within 1e-4
            np.testing.assert_allclose(np.array(grid["probabilities"])[:, t, k], p, atol=1e-4)


def test_second_models_label_files_hold_its_own_vectors(second):
    out, root, own, grid = second
    for label in grid["labels"]:
        record = json.loads((root / label_file_name(label)).read_text())
        vectors = decode(record["vectors"], 768)                                    # (T, 768)
        for t, template in enumerate(grid["templates"]):
            inline = decode(own["vectors"]["text"][template], 768)[grid["labels"].index(label)]
            np.testing.assert_array_equal(vectors[t], inline)
        default = json.loads((out / label_file_name(label)).read_text())
        assert len(base64.b64decode(default["vectors"])) == len(grid["templates"]) * 512 * 2  # the default's: 512-d


def test_second_models_occlusion_and_towers_are_on_its_own_16x16_grid(second):
    _, root, own, _ = second
    assert own["occlusion"] == {"file": "data/occlusion.json", "grid": 16}  # 224 / 14
    occlusion = json.loads((root / own["occlusion"]["file"]).read_text())
    assert occlusion["grid"] == 16
    for vectors in occlusion["photos"].values():
        assert decode(vectors, 768).shape == (16 * 16, 768)
    assert own["towers"]["grid"] == 16
    towers = json.loads((root / own["towers"]["folder"] / "cat.json").read_text())
    layers, heads = towers["layers"], towers["heads"]
    attention = np.frombuffer(base64.b64decode(towers["attention"]), dtype="<f2")
    assert attention.size == layers * heads * (1 + 16 * 16)  # (L, H, the class token and 256 patches)


def test_default_models_data_is_what_a_one_model_build_writes(two_models, tmp_path, tmp_path_factory):
    """One --model builds exactly today's data: the two-model site's data/ holds the same bytes, and nothing
    else of the second model leaks into it."""
    out, _ = two_models
    content, photos = make_small_inputs(tmp_path)
    with cache_lock(tmp_path_factory):  # the build writes into .cache, shared by pytest-xdist's workers
        build("stand-in", tmp_path / "site", content_dir=content, photos_dir=photos, cache_dir=CACHE, live=False,
              log=lambda line: None)
    alone = tmp_path / "site"
    assert not (alone / "models").exists()
    compared = filecmp.dircmp(alone / "data", out / "data")

    def same(c):
        assert not c.left_only and not c.right_only and not c.diff_files and not c.funny_files, c.report()
        for sub in c.subdirs.values():
            same(sub)
    same(compared)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(
        [p.name for p in alone.iterdir() if p.is_dir()] + ["models"])


@pytest.mark.parametrize("models, named", [(["stand-in", "no such model!"], "no such model!"),
                                           (["stand-in", "stand-in"], "stand-in")])
def test_a_bad_model_value_names_itself(tmp_path, tmp_path_factory, models, named):
    content, photos = make_small_inputs(tmp_path)
    command = [sys.executable, "build.py", "--out", str(tmp_path / "site"), "--content", str(content),
               "--photos", str(photos), "--cache", str(CACHE), "--no-live"]
    for model in models:
        command += ["--model", model]
    with cache_lock(tmp_path_factory):  # it may note the stand-in's fingerprint in .cache
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "build failed: " in done.stderr and repr(named) in done.stderr
    assert not (tmp_path / "site").exists()


def test_settings_models_are_checked_with_their_line(tmp_path):
    path = tmp_path / "settings.yaml"
    text = "models:\n  - stand-in\n  - 7\n"
    with pytest.raises(BuildError, match=r"models: each entry .* not 7") as error:
        read_models(parse_yaml(text, path)["models"], path, 1)
    assert ":3" in str(error.value)
    with pytest.raises(BuildError, match="listed twice"):
        read_models(parse_yaml("models: [a, a]\n", path)["models"], path, 1)
    assert read_models(parse_yaml("models: [stand-in, stand-in-l14]\n", path)["models"], path, 1) == (
        ["stand-in", SECOND], {"stand-in": {}, SECOND: {}}, {})


def test_which_models_a_build_carries():
    from explainer.modelset import site_models
    listed = {"models": ["stand-in", SECOND]}
    assert site_models([], listed, "default") == ["stand-in", SECOND]      # no --model: settings.yaml's list
    assert site_models(["x"], listed, "default") == ["x"]                  # --model overrides the settings
    assert site_models([], {"models": None}, "default") == ["default"]     # neither: the default alone
    with pytest.raises(BuildError, match="same id 'openai-clip'"):
        site_models(["openai/clip", "openai-clip"], {}, "default")


def test_the_rules_in_node():
    result = subprocess.run(["node", "--test", str(ROOT / "tests" / "models_in_node.mjs")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"^# pass 3$", result.stdout, re.M) and re.search(r"^# fail 0", result.stdout, re.M)


def test_an_offline_fallback_builds_the_stand_in_alone(tmp_path, tmp_path_factory):
    """make build's fallback (--fallback-to-stand-in) with settings.yaml listing the real models, as the shipped
    content does: the default cannot be loaded offline, so the site carries the stand-in alone, no further model
    is tried, and the warning says so."""
    content, photos = make_small_inputs(tmp_path)
    shipped = (ROOT / "content" / "settings.yaml").read_text(encoding="utf-8")
    assert re.search(r"(?m)^models:\n  - id: openai/clip-vit-base-patch32\n    revision: ", shipped)  # pinned
    (content / "settings.yaml").write_text(shipped, encoding="utf-8")
    env = dict(os.environ, HF_HOME=str(tmp_path / "hf"), HF_HUB_OFFLINE="1")
    command = [sys.executable, "build.py", "--fallback-to-stand-in", "--no-live", "--out", str(tmp_path / "site"),
               "--content", str(content), "--photos", str(photos), "--cache", str(CACHE)]
    with cache_lock(tmp_path_factory):
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "UNTRAINED STAND-IN" in done.stderr and "no further model" in done.stderr
    assert "openai/clip-vit-base-patch16" not in done.stderr  # never tried
    models = read_snapshot((tmp_path / "site" / "index.html").read_text())["models"]
    assert [m["id"] for m in models] == ["stand-in"] and not (tmp_path / "site" / "models").exists()
