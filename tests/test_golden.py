"""The golden check (python -m explainer.golden) proven on the stand-in: numbers computed here with numpy from the
stand-in's own vectors pass it; a changed number, a wrong image checksum, a model with no case fail it.
The stand-in's numbers are never CLIP's: golden/cases.yaml's published numbers are checked only as text here
(the publishing workflow runs them on the real weights)."""
import hashlib
import shutil
import subprocess
import sys

import numpy as np
import pytest
import yaml
from conftest import CACHE, ROOT

from explainer import golden

PHOTO = ROOT / "photos" / "cat.png"
TEXTS = ["a photo of a cat", "a photo of a dog", "a diagram"]


@pytest.fixture(scope="module")
def true_numbers(stand_in):
    """{"logits", "probs"} for PHOTO against TEXTS, from the stand-in's image and text vectors and its logit scale
    as transformers gives them, multiplied and softmaxed in numpy (not through explainer.golden)."""
    import torch
    from PIL import Image
    from transformers import CLIPModel, CLIPProcessor
    model = CLIPModel.from_pretrained(stand_in.folder).eval()
    processor = CLIPProcessor.from_pretrained(stand_in.folder)
    with torch.no_grad():
        image = model.get_image_features(**processor(images=Image.open(PHOTO), return_tensors="pt"))
        text = model.get_text_features(**processor(text=TEXTS, return_tensors="pt", padding=True))
    image = getattr(image, "pooler_output", image).numpy().astype(np.float64)[0]  # (512,)
    text = getattr(text, "pooler_output", text).numpy().astype(np.float64)         # (3, 512)
    image, text = image / np.linalg.norm(image), text / np.linalg.norm(text, axis=1, keepdims=True)
    logits = np.exp(model.logit_scale.item()) * text @ image                          # (3,)
    probs = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    return {"logits": logits.tolist(), "probs": probs.tolist()}


def write_cases(folder, numbers, model="stand-in", sha256=None, tolerance=1e-4):
    """A cases file in folder for PHOTO (copied next to it) with the given expected numbers."""
    shutil.copy(PHOTO, folder / PHOTO.name)
    case = dict(name="stand-in-cat", image=PHOTO.name,
                sha256=sha256 or hashlib.sha256(PHOTO.read_bytes()).hexdigest(), texts=TEXTS,
                probs=numbers["probs"], logits=numbers["logits"], tolerance=tolerance,
                source="computed by tests/test_golden.py from the stand-in (never CLIP's numbers)",
                licence="photos/photos.yaml")
    path = folder / "cases.yaml"
    path.write_text(yaml.safe_dump({model: [case]}, sort_keys=False))
    return path


def run_golden(cases, capsys, *flags):
    status = golden.main(["--model", "stand-in", "--cases", str(cases), "--cache", str(CACHE), *flags])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_true_numbers_pass(tmp_path, true_numbers):
    cases = write_cases(tmp_path, true_numbers)
    result = subprocess.run([sys.executable, "-m", "explainer.golden", "--model", "stand-in", "--cases", str(cases),
                             "--cache", str(CACHE)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert len(lines) == 2 * len(TEXTS) and all(line.startswith("PASS  stand-in-cat") for line in lines)
    assert "golden check passed: 1 case(s) for 'stand-in'" in result.stdout


@pytest.mark.parametrize("key", ["probs", "logits"])
def test_a_number_changed_beyond_its_tolerance_fails(tmp_path, true_numbers, capsys, key):
    changed = {k: list(v) for k, v in true_numbers.items()}
    changed[key][1] += 2e-4  # twice the tolerance
    status, out, err = run_golden(write_cases(tmp_path, changed), capsys)
    assert status == 1
    assert f"FAIL  stand-in-cat  {key}[1] ('a photo of a dog')" in out
    assert sum(line.startswith("FAIL") for line in out.splitlines()) == 1  # that number only
    assert "stand-in-cat" in err and f"{key}[1]" in err and str(tmp_path / "cases.yaml") in err


def test_a_wrong_image_checksum_is_an_error_naming_file_and_line(tmp_path, true_numbers, capsys):
    status, out, err = run_golden(write_cases(tmp_path, true_numbers, sha256="0" * 64), capsys)
    assert status == 2 and "PASS" not in out
    assert f"{tmp_path / 'cases.yaml'}:2:" in err and "sha256" in err and "stand-in-cat" in err


def test_a_model_with_no_case_fails(tmp_path, true_numbers, capsys):
    status, _, err = run_golden(write_cases(tmp_path, true_numbers, model="openai/clip-vit-base-patch32"), capsys)
    assert status == 1 and "no case for model 'stand-in'" in err


def test_a_fetched_image_is_checked_and_skipped_without_fetch(tmp_path, true_numbers, capsys):
    """A case given by url (here a file:// one): without --fetch it is skipped, and a model with no case that
    ran fails; with --fetch its bytes are checked, or, with sha256 `unknown`, their sha256 is printed."""
    path = write_cases(tmp_path, true_numbers)
    data = yaml.safe_load(path.read_text())
    case = data["stand-in"][0]
    del case["image"]
    case.update(url=(tmp_path / PHOTO.name).as_uri(), sha256="unknown")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    status, out, err = run_golden(path, capsys)
    assert status == 1 and "SKIP  stand-in-cat" in out and "could run (all need --fetch)" in err
    status, out, err = run_golden(path, capsys, "--fetch")
    assert status == 0, err
    assert f"{hashlib.sha256(PHOTO.read_bytes()).hexdigest()}; not yet pinned" in out and "PASS  stand-in-cat" in out
    case["sha256"] = "1" * 64
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    status, out, err = run_golden(path, capsys, "--fetch")
    assert status == 2 and "sha256" in err and case["url"] in err


def test_a_bad_cases_file_is_an_error_naming_file_and_line(tmp_path, capsys):
    path = tmp_path / "cases.yaml"
    path.write_text("stand-in:\n  - name: x\n    texts: [a]\n")
    status, _, err = run_golden(path, capsys)
    assert status == 2 and f"{path}:2:" in err and "missing key" in err


def test_openai_clip_pixels_resize_with_alpha_then_drop_it(stand_in):
    """clip.load's preprocess: short side to S, the centre S x S, and transparent pixels black, where
    transformers' processor composites them onto white."""
    from PIL import Image
    from transformers import CLIPProcessor
    processor = CLIPProcessor.from_pretrained(stand_in.folder)
    image = np.full((448, 1344, 4), 255, dtype=np.uint8)  # opaque white, twice the size it is resized to
    image[:, 600:744] = 0  # but for a transparent band in the middle (cols 300-372 once resized)
    image = Image.fromarray(image, "RGBA")
    pixels = golden.openai_clip_pixels(image, processor)  # (1, 3, 224, 224): cols 224-448 of the 224 x 672 image
    mean, std = (np.asarray(processor.image_processor.image_mean), np.asarray(processor.image_processor.image_std))
    assert pixels.shape == (1, 3, 224, 224)
    np.testing.assert_allclose(pixels[0, :, 112, 112], (0 - mean) / std, atol=1e-5)  # the band's middle: black
    np.testing.assert_allclose(pixels[0, :, 112, 10], (1 - mean) / std, atol=1e-5)   # left of it: white
    composited = processor(images=image, return_tensors="pt")["pixel_values"].numpy()
    np.testing.assert_allclose(composited[0, :, 112, 112], (1 - mean) / std, atol=1e-5)  # the processor: white


def test_the_published_cases_are_those_of_their_sources():
    data = yaml.safe_load((ROOT / "golden" / "cases.yaml").read_text())
    cases = {case["name"]: case for case in data["openai/clip-vit-base-patch32"]}
    readme = cases["openai-clip-readme"]
    image = ROOT / "golden" / readme["image"]
    assert hashlib.sha256(image.read_bytes()).hexdigest() == readme["sha256"]
    assert readme["texts"] == ["a diagram", "a dog", "a cat"]
    assert readme["probs"] == [0.9927937, 0.00421068, 0.00299572] and "logits" not in readme
    assert readme["preprocess"] == "openai-clip" and "openai/CLIP" in readme["source"]
    assert "MIT" in readme["licence"] and (ROOT / "golden" / "LICENSES" / "openai-CLIP.txt").exists()
    test = cases["transformers-integration-test"]
    assert test["texts"] == ["a photo of a cat", "a photo of a dog"]
    assert test["logits"] == [24.5701, 19.3049] and test["tolerance"] == 0.001 and "probs" not in test
    assert test["url"] == "http://images.cocodataset.org/val2017/000000039769.jpg"
    assert "test_modeling_clip.py" in test["source"]
    assert set(data) == {"openai/clip-vit-base-patch32"}  # no other model has published numbers here yet
    golden.load_cases(ROOT / "golden" / "cases.yaml")  # and the check itself reads it without complaint
