"""Every stored number equals an independent recomputation from the stored vectors, in numpy and in the
page's own JavaScript."""
import base64
import json
import subprocess

import numpy as np
import pytest
from conftest import ROOT

from explainer.data import label_file_name


def decode(text, dim):
    """Independent of the build's decoder: raw little-endian float16 -> float64 rows of dim."""
    return np.frombuffer(base64.b64decode(text), dtype=np.dtype("<f2")).astype(np.float64).reshape(-1, dim)


@pytest.fixture(scope="module")
def stored(site):
    out, _ = site
    embeddings = json.loads((out / "data" / "embeddings.json").read_text())
    grid = json.loads((out / "data" / "grid.json").read_text())
    return out, embeddings, grid


def test_grid_shape_covers_photos_templates_labels_temperatures(stored):
    _, embeddings, grid = stored
    probabilities = np.array(grid["probabilities"])
    assert probabilities.shape == (6, 7, len(grid["temperatures"]), len(grid["labels"]))
    assert 0.01 in grid["temperatures"] and grid["temperatures"][embeddings["default"]["tau_index"]] == 0.01
    taus = np.array(grid["temperatures"])
    assert np.allclose(np.diff(np.log10(taus)), np.log10(taus[1] / taus[0]), atol=1e-5)  # log-spaced


def test_stored_numbers_equal_numpy_recomputation(stored):
    _, embeddings, grid = stored
    dim = embeddings["model"]["dim"]
    assert dim == 512  # the stand-in is shaped like ViT-B/32
    images = decode(embeddings["vectors"]["image"], dim)                               # (6, dim)
    assert np.allclose(np.linalg.norm(images, axis=1), 1, atol=2e-3)
    for t, template in enumerate(grid["templates"]):
        labels = decode(embeddings["vectors"]["text"][template], dim)                  # (L, dim)
        assert np.allclose(np.linalg.norm(labels, axis=1), 1, atol=2e-3)
        sims = images @ labels.T                                                       # (6, L)
        np.testing.assert_allclose(np.array(grid["similarities"])[:, t], sims, atol=1e-5)
        for k, tau in enumerate(grid["temperatures"]):
            logits = sims / tau
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            np.testing.assert_allclose(np.array(grid["probabilities"])[:, t, k], p, atol=1e-4)
            h = -(p * np.log(np.where(p > 0, p, 1))).sum(axis=1)
            np.testing.assert_allclose(np.array(grid["entropy"])[:, t, k], h, atol=1e-4)


def test_label_files_hold_the_same_vectors_as_the_snapshot(stored):
    out, embeddings, grid = stored
    vocabulary = json.loads((out / "data" / "label-names.json").read_text())
    assert len(vocabulary) >= 5000 and len({v.lower() for v in vocabulary}) == len(vocabulary)
    dim = embeddings["model"]["dim"]
    for label in grid["labels"]:
        record = json.loads((out / label_file_name(label)).read_text())
        vectors = decode(record["vectors"], dim)                                       # (T, dim)
        for t, template in enumerate(grid["templates"]):
            inline = decode(embeddings["vectors"]["text"][template], dim)[grid["labels"].index(label)]
            np.testing.assert_array_equal(vectors[t], inline)


def test_templates_give_different_vectors(stored):
    _, embeddings, _ = stored
    texts = {t: decode(v, embeddings["model"]["dim"]) for t, v in embeddings["vectors"]["text"].items()}
    assert not np.allclose(texts["bare"], texts["photo"])
    assert not np.allclose(texts["photo"], texts["ensemble"])


def test_client_javascript_reproduces_python_within_tolerance(stored):
    out, _, grid = stored
    result = subprocess.run(["node", str(ROOT / "tests" / "recompute_in_node.mjs"), str(out)],
                            capture_output=True, text=True, timeout=120, check=True)
    js = json.loads(result.stdout)
    np.testing.assert_allclose(js["similarities"], grid["similarities"], atol=1e-4)
    np.testing.assert_allclose(js["probabilities"], grid["probabilities"], atol=1e-3)
    np.testing.assert_allclose(js["entropy"], grid["entropy"], atol=1e-3)
