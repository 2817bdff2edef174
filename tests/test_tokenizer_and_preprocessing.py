"""The stand-in uses CLIP's real tokenizer and CLIP's real image preprocessing."""
import numpy as np
import pytest
from conftest import ROOT
from PIL import Image

from explainer.content import read_photos
from explainer.embed import Clip


@pytest.fixture(scope="module")
def clip(stand_in):
    return Clip(stand_in.folder)


def test_golden_token_ids(clip):
    clip._load()
    assert clip.tokenizer("a photo of a cat")["input_ids"] == [49406, 320, 1125, 539, 320, 2368, 49407]
    assert len(clip.tokenizer) == 49408


def test_tokenizer_pieces_and_truncation(clip):
    clip._load()
    tokens = clip.tokenizer.convert_ids_to_tokens(clip.tokenizer("a photo of a hot-dog.")["input_ids"])
    assert tokens == ["<|startoftext|>", "a</w>", "photo</w>", "of</w>", "a</w>", "hot</w>", "-</w>", "dog</w>",
                      ".</w>", "<|endoftext|>"]
    ids = clip.tokenizer(["word " * 100], truncation=True, max_length=77)["input_ids"][0]
    assert len(ids) == 77 and ids[-1] == 49407


def reference_preprocess(image):
    """CLIP's preprocessing written out independently: shortest side 224 (bicubic), centre crop, normalise."""
    w, h = image.size
    scale = 224 / min(w, h)
    size = (224, int(h * scale)) if w <= h else (int(w * scale), 224)
    resized = np.asarray(image.resize(size, Image.BICUBIC), dtype=np.float32) / 255.0  # (H, W, 3)
    top, left = (resized.shape[0] - 224) // 2, (resized.shape[1] - 224) // 2
    crop = resized[top:top + 224, left:left + 224]
    mean = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
    std = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
    return ((crop - mean) / std).transpose(2, 0, 1)  # (3, 224, 224)


def test_preprocessing_matches_clip_for_every_photo(clip):
    from transformers import CLIPImageProcessorPil
    canonical = CLIPImageProcessorPil()  # OpenAI's settings, as shipped with openai/clip-vit-base-patch32
    photos = read_photos(ROOT / "photos" / "photos.yaml")
    assert len(photos) == 6
    for photo in photos:
        ours = clip.preprocess(photo.image).numpy()[0]  # (3, 224, 224)
        assert ours.shape == (3, 224, 224)
        np.testing.assert_array_equal(ours, canonical(images=[photo.image], return_tensors="np")["pixel_values"][0])
        np.testing.assert_allclose(ours, reference_preprocess(photo.image), atol=1e-5, err_msg=photo.id)
