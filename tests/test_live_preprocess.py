"""Live mode's image preprocessing in JavaScript (templates/assets/rules/preprocess.js, a port of Pillow's
bicubic resampling) against the build's own (transformers' CLIPImageProcessorPil), run in Node."""

import numpy as np
import pytest
from PIL import Image
from test_live_tokenizer import ROOT, node

from explainer.content import read_content
from explainer.live import preprocessing


@pytest.fixture(scope="module")
def processor(stand_in):
    from transformers import CLIPImageProcessorPil
    return CLIPImageProcessorPil.from_pretrained(stand_in.folder)


def js_preprocess(image, config, tmp_path):
    rgb = tmp_path / "image.rgb"
    rgb.write_bytes(np.asarray(image.convert("RGB"), dtype=np.uint8).tobytes())
    out = tmp_path / "pixels.f32"
    node({"preprocess": {"rgb": str(rgb), "width": image.width, "height": image.height}, "config": config,
          "out": str(out)})
    size = config["crop"]
    return np.frombuffer(out.read_bytes(), dtype="<f4").reshape(3, *size)


def photos():
    return read_content(ROOT / "content", ROOT / "photos").photos


@pytest.mark.parametrize("photo", photos(), ids=lambda p: p.id)
def test_the_six_photos_match_python(photo, processor, stand_in, tmp_path):
    expected = processor(images=[photo.image], return_tensors="np")["pixel_values"][0]  # (3, 224, 224)
    got = js_preprocess(photo.image, preprocessing(stand_in), tmp_path)
    np.testing.assert_allclose(got, expected, atol=2e-6, rtol=0)


@pytest.mark.parametrize("size", [(224, 224), (300, 224), (224, 500), (31, 47), (1000, 17), (225, 224)])
def test_awkward_sizes_match_python(size, processor, stand_in, tmp_path):
    """Upscaling, extreme aspect ratios, sizes that are already right on one side."""
    rng = np.random.default_rng(sum(size))
    image = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    expected = processor(images=[image], return_tensors="np")["pixel_values"][0]
    got = js_preprocess(image, preprocessing(stand_in), tmp_path)
    np.testing.assert_allclose(got, expected, atol=2e-6, rtol=0)
