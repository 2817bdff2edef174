"""The typographic-attack lab's build side (issue 35): the stamp spec, the stamp itself (an integer composite of the
glyph atlas that matches FreeType's own drawing to within rounding), the stamped vectors against an independent
embedding of the same stamped image, the first paint's rows against numpy, and the bytes per photo."""
import gzip
import json
import re

import numpy as np
import pytest
from browser import Stored, decode
from conftest import ROOT, read_snapshot
from PIL import Image, ImageDraw, ImageFont

from explainer import attack
from explainer.errors import BuildError
from explainer.photos import open_photo

DIM = 512


def stored_attack(out, photo):
    data = json.loads((out / "data" / "attack" / f"{photo}.json").read_text())
    vectors = decode(data["vectors"], DIM).reshape(len(data["words"]), len(data["placements"]), DIM)
    return data, vectors


@pytest.fixture(scope="module")
def spec_and_atlas():
    spec = attack.read_spec(ROOT / "content")
    return spec, attack.glyph_atlas(spec)


def test_the_stamp_is_the_fonts_own_drawing_to_within_rounding(spec_and_atlas):
    """The atlas composite against Pillow drawing the same word straight onto the same canvas with FreeType: the
    same glyphs at the same places, so the pixels differ by rounding only (the atlas's alpha is FreeType's)."""
    spec, atlas = spec_and_atlas
    photo = open_photo(ROOT / "photos" / "coffee.png")
    placement = spec.placement("centre")
    stamped = np.asarray(attack.stamp(photo, "iPod", placement, spec, atlas), dtype=np.int16)
    base = attack.canvas(photo, spec.side)
    size = next(s for s in placement.sizes if attack.text_width("iPod", atlas[s]) <= spec.max_width * spec.side)
    face = atlas[size]
    left, top = (base.width - spec.side) // 2, (base.height - spec.side) // 2
    x = left + round(placement.x * spec.side) - attack.text_width("iPod", face) // 2
    y = top + round(placement.y * spec.side) - face["height"] // 2
    drawn = base.copy()
    pen = x
    font = ImageFont.truetype(str(spec.font), size)
    for char in "iPod":  # one character at a time, at the atlas's whole-pixel advances (the stamp does not kern)
        ImageDraw.Draw(drawn).text((pen, y), char, font=font, fill=placement.colour)
        pen += face["glyphs"][char][0]
    difference = np.abs(stamped - np.asarray(drawn, dtype=np.int16))
    changed = np.abs(stamped - np.asarray(base, dtype=np.int16)).max(axis=2) > 0
    assert changed.sum() > 200                       # the word is there
    assert difference.max() <= 2                      # and where FreeType draws it, to within rounding
    assert min(stamped.shape[:2]) == spec.side                     # the short side CLIP resizes to


def test_the_note_sits_in_the_centre_square_the_model_sees(spec_and_atlas):
    spec, atlas = spec_and_atlas
    photo = open_photo(ROOT / "photos" / "cat.png")   # wider than tall: the square is in the middle
    note = spec.placement("note")
    pixels = np.asarray(attack.stamp(photo, "dog", note, spec, atlas))
    paper = np.all(pixels == np.array(note.note, dtype=np.uint8), axis=2)
    rows, cols = np.nonzero(paper)
    left = (pixels.shape[1] - spec.side) // 2
    assert paper.sum() > 500
    assert cols.min() >= left and cols.max() < left + spec.side
    assert abs((cols.min() + cols.max()) / 2 - (left + note.x * spec.side)) <= 2  # centred on its anchor
    assert rows.min() > spec.side / 2                                             # in the lower half


def test_the_spec_refuses_what_it_cannot_stamp(tmp_path):
    content = tmp_path / "content"
    (content / "fonts").mkdir(parents=True)
    (content / "fonts" / "DejaVuSans-Bold.ttf").write_bytes((ROOT / "content" / "fonts" / "DejaVuSans-Bold.ttf")
                                                           .read_bytes())
    text = (ROOT / "content" / "attack.yaml").read_text()
    for broken, message in [(text.replace("words: [iPod,", "words: [iPöd,"), r"attack\.yaml:\d+.*printable ASCII"),
                            (text.replace("align: left", "align: right"), r"attack\.yaml:\d+.*align"),
                            (text.replace("placement: note", "placement: sky"), r"attack\.yaml:\d+.*sky"),
                            (text.replace("font: fonts/", "font: ../"), r"attack\.yaml:\d+.*font")]:
        (content / "attack.yaml").write_text(broken)
        with pytest.raises(BuildError, match=message):
            attack.read_spec(content)


def test_stamped_vectors_equal_an_independent_embedding_of_the_same_stamped_image(site, stand_in, spec_and_atlas):
    import torch
    from transformers import CLIPImageProcessorPil, CLIPModel

    spec, atlas = spec_and_atlas
    out, _ = site
    processor = CLIPImageProcessorPil.from_pretrained(stand_in.folder)
    model = CLIPModel.from_pretrained(stand_in.folder).eval()
    cases = [("cat", "dog", "note"), ("coffee", "iPod", "centre"), ("rocket", "library", "corner")]
    for photo, word, placement in cases:
        data, vectors = stored_attack(out, photo)
        image = attack.stamp(open_photo(ROOT / "photos" / next(p.name for p in (ROOT / "photos").glob(f"{photo}.*"))),
                             word, spec.placement(placement), spec, atlas)
        with torch.inference_mode():
            features = model.get_image_features(**processor(images=[image], return_tensors="pt"))
        direct = getattr(features, "pooler_output", features)[0].numpy().astype(np.float64)
        direct /= np.linalg.norm(direct)
        grid = vectors.reshape(-1, DIM) / np.linalg.norm(vectors.reshape(-1, DIM), axis=1, keepdims=True)
        cosines = grid @ direct                                        # against every stamped vector of the photo
        i, j = data["words"].index(word), data["placements"].index(placement)
        assert cosines[i * len(data["placements"]) + j] > 0.9999       # float16 rounding only
        assert int(np.argmax(cosines)) == i * len(data["placements"]) + j  # not another word's or placement's
        clean = Stored(out).images[Stored(out).photo_ids.index(photo)]
        assert float(clean @ direct) < cosines.max()                  # the stamp changed the vector


def test_the_first_paint_rows_are_numpy_over_the_stored_vectors(site):
    out, _ = site
    stored = Stored(out)
    html = (out / "fools.html").read_text()
    root = re.search(r'<div class="widget" id="attack"[^>]*>', html)[0]
    photo, word, placement = (re.search(rf'data-{key}="([^"]*)"', root)[1] for key in ("photo", "word", "placement"))
    assert 'data-source="build"' in root
    data, vectors = stored_attack(out, photo)
    stamped = vectors[data["words"].index(word), data["placements"].index(placement)]
    rows = re.findall(r'<tr data-label="([^"]*)" data-prob="([^"]*)" data-prob-clean="([^"]*)"', html)
    labels = [label for label, _, _ in rows]
    assert labels == read_snapshot(html)["default"]["labels"]
    texts = stored.texts("photo", labels)                               # (n_labels, dim)
    _, clean, _ = stored.view(photo, "photo", labels, 0.01)
    sims = texts @ stamped
    probs = np.exp((sims - sims.max()) / 0.01)
    probs /= probs.sum()
    for (label, prob, prob_clean), expected, expected_clean in zip(rows, probs, clean, strict=True):
        assert float(prob) == pytest.approx(expected, abs=1e-6), label
        assert float(prob_clean) == pytest.approx(expected_clean, abs=1e-6), label
    image = re.search(r'data-testid="attack-image" src="([^"]+)"', html)[1]
    assert image == f"attack/{photo}-{data['words'].index(word)}-{data['placements'].index(placement)}.jpg"
    assert Image.open(out / image).size == (data["width"], data["height"])


def test_the_lab_costs_little_per_photo(site):
    """Per photo: its vectors file (fetched when the figure comes near) and one stamped image at a time."""
    out, _ = site
    for path in sorted((out / "data" / "attack").glob("*.json")):
        if path.name == "spec.json":
            continue
        data = json.loads(path.read_text())
        assert len(gzip.compress(path.read_bytes())) < 40_000, path.name  # 33 vectors of 512 float16
        sizes = [(out / name).stat().st_size for row in data["images"] for name in row]
        assert len(sizes) == len(data["words"]) * len(data["placements"]) and max(sizes) < 40_000, path.name
