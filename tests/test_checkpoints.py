"""Any CLIP checkpoint in save_pretrained form: stand-ins shaped like ViT-B/16 and ViT-L/14 build end to end
with their own sizes (no ViT-B/32 number assumed anywhere), the ViT-L/14 page works in Chromium with
768-d vectors, a folder that is not a CLIP fails with one clear line, and a local checkpoint is named by
its folder's name, never by a path of the build machine."""
import base64
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from browser import Watcher, chromium, serve, show_figures
from conftest import ROOT, make_small_inputs, read_snapshot, site_html

from explainer.pipeline import build
from explainer.standin import SHAPES, make_stand_in


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """{shape name: (checkpoint folder, built site)}: each stand-in built with a small copy of the content."""
    work = tmp_path_factory.mktemp("checkpoints")
    content, photos = make_small_inputs(work)
    built = {}
    for shape, folder_name in (("ViT-B/16", "clip-b16-stand-in"), ("ViT-L/14", "clip-l14-stand-in")):
        folder = make_stand_in(work / "models" / folder_name, **SHAPES[shape])
        out = work / f"site-{folder_name}"
        build(str(folder.resolve()), out, content_dir=content, photos_dir=photos, cache_dir=work / "cache",
              log=lambda line: None, live=False)
        built[shape] = folder, out
    return built


EXPECTED = {"ViT-B/16": dict(dim=512, patch_size=16, image_size=224, context_length=77),
            "ViT-L/14": dict(dim=768, patch_size=14, image_size=224, context_length=77)}


@pytest.mark.parametrize("shape", list(EXPECTED))
def test_sizes_come_from_the_checkpoint(checkpoints, shape):
    folder, out = checkpoints[shape]
    html = site_html(out)  # the core article and its deep dives
    snapshot = read_snapshot(html)
    dim = EXPECTED[shape]["dim"]
    assert {k: snapshot["model"][k] for k in EXPECTED[shape]} == EXPECTED[shape]
    assert snapshot["tokens"]["context_length"] == 77
    image = np.frombuffer(base64.b64decode(snapshot["vectors"]["image"]), dtype="<f2").reshape(6, dim)
    assert np.allclose(np.linalg.norm(image.astype(np.float64), axis=1), 1, atol=2e-3)
    for text in snapshot["vectors"]["text"].values():
        assert len(base64.b64decode(text)) == len(snapshot["default"]["labels"]) * dim * 2
    assert len(base64.b64decode(snapshot["gap"]["components"])) == 2 * dim * 2
    embeddings = json.loads((out / "data" / "embeddings.json").read_text())
    assert embeddings["model"]["dim"] == dim
    label_file = next((out / "data" / "labels").iterdir())
    label = json.loads(label_file.read_text())
    assert len(base64.b64decode(label["vectors"])) == len(snapshot["templates"]) * dim * 2
    # the words on the page follow the checkpoint too
    assert f"All {dim} values" in html and f"view of the {dim}-d space" in html
    assert len(re.findall(r'<tr><th scope="row">\d+</th>', html.split('id="image-vector-table"')[1]
                          .split("</table>")[0])) == dim
    vector_chart = snapshot["charts"]["image-vector"]
    assert f"{dim} dimensions" in json.dumps(vector_chart)
    assert "of 77 tokens" in html


@pytest.mark.parametrize("shape", list(EXPECTED))
def test_a_local_checkpoint_is_named_by_its_folder_name(checkpoints, shape):
    folder, out = checkpoints[shape]
    snapshot = read_snapshot((out / "index.html").read_text())
    assert snapshot["model"]["name"] == folder.name
    assert snapshot["model"]["stand_in"]  # the STAND_IN marker file travels with the folder
    for path in [out / "index.html", *(out / "data").glob("*.json")]:
        text = path.read_text(encoding="utf-8")
        assert str(folder.parent) not in text and str(ROOT) not in text, path
    assert f'<span id="model-name">{folder.name}</span>' in (out / "index.html").read_text()


def test_the_vit_l14_page_shows_768_d_vectors_and_recomputes(checkpoints):
    from browser import Stored, check_numbers
    _, out = checkpoints["ViT-L/14"]
    stored = Stored(out)
    assert stored.dim == 768 and stored.images.shape == (6, 768)
    with serve(out) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        watcher = Watcher(page, url)
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
        assert page.evaluate("JSON.parse(document.getElementById('snapshot').textContent).model.dim") == 768
        page.wait_for_selector("body[data-charts=drawn]", timeout=10000)
        vectors = context.new_page()  # the vector figures' deep-dive page (issue 32 section 5)
        vectors.goto(url + "vectors.html")
        vectors.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
        show_figures(vectors, 'image-vector-figure')
        vectors.click("#image-vector-details summary")  # the table of values is built when opened
        vectors.wait_for_selector("#image-vector-table tbody tr", state="attached", timeout=10000)  # built on toggle
        rows = vectors.evaluate("document.querySelectorAll('#image-vector-table tbody tr').length")
        assert rows == 768
        vectors.close()
        check_numbers(page, stored)
        page.click("label.photo-choice:has(input[value=rocket])")
        check_numbers(page, stored)
        page.select_option("#template-select", "ensemble")
        check_numbers(page, stored)
        page.locator("#tau-slider").focus()
        page.keyboard.press("ArrowRight")
        check_numbers(page, stored)
        extra = next(label for label in stored.vocabulary if label not in check_numbers(page, stored)["labels"])
        page.fill("#add-label-input", extra)
        page.press("#add-label-input", "Enter")
        page.wait_for_selector(f"#label-rows tr[data-label='{extra}']", timeout=15000)
        view = check_numbers(page, stored)
        assert extra in view["labels"]
        watcher.check()
        context.close()


def run_build(model, tmp_path):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "--model", str(model), "--out",
                           str(tmp_path / "site"), "--cache", str(tmp_path / "cache"), "--no-live"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_a_folder_that_is_not_a_clip_checkpoint_fails_in_one_line(tmp_path, stand_in):
    bert = tmp_path / "my-bert"
    bert.mkdir()
    (bert / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertModel"],
                                                  "hidden_size": 768}))
    shutil.copy(stand_in.folder / "model.safetensors", bert / "model.safetensors")
    empty = tmp_path / "no-config"
    empty.mkdir()
    (empty / "model.safetensors").write_bytes(b"")
    for folder, reason in ((bert, "model_type 'bert'"), (empty, "no config.json")):
        result = run_build(folder, tmp_path)
        assert result.returncode == 1
        lines = [line for line in result.stderr.splitlines() if not re.match(r"  \w+ +[\d.]+ s$", line)]  # step times
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert lines[0].startswith(f"build failed: {folder}: not a CLIP checkpoint") and reason in lines[0]
        assert not (tmp_path / "site").exists()
