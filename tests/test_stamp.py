"""The stamp is one specification drawn twice (issue 35): explainer/attack.py stamp() in the build and
templates/assets/rules/stamp.js in the page, both from data/attack/spec.json's atlas. Run in Node through the build's
own door to the page's rules (explainer/views.py), the page's stamp is the build's, pixel for pixel, for every
placement and for words that reach the square's edge."""
import json

import numpy as np
import pytest
from conftest import ROOT

from explainer import attack
from explainer.photos import open_photo
from explainer.views import Views


@pytest.fixture(scope="module")
def page_spec(tmp_path_factory):
    spec = attack.read_spec(ROOT / "content")
    atlas = attack.glyph_atlas(spec)
    folder = tmp_path_factory.mktemp("stamp")
    attack.write_attack(folder, attack.Attack(spec, atlas, [], [], np.zeros((0, 0, 0, 1)), {}))
    return spec, atlas, json.loads((folder / attack.DATA_DIR / "spec.json").read_text())


@pytest.mark.parametrize("photo, word", [("cat", "dog"), ("coins", "iPod"), ("astronaut", "a very long word, W@g!~"),
                                         ("rocket", "cup of coffee")])
def test_the_pages_stamp_is_the_builds_pixel_for_pixel(page_spec, photo, word):
    spec, atlas, shipped = page_spec
    image = open_photo(next((ROOT / "photos").glob(f"{photo}.*")))
    canvas = np.asarray(attack.canvas(image, spec.side))                   # (H, W, 3) what both sides stamp
    height, width = canvas.shape[:2]
    with Views(ROOT / "templates" / "assets") as views:
        stamped = views.call(*[("stamp", "stampPixels", canvas.reshape(-1), width, height, word, placement.id, shipped)
                               for placement in spec.placements])
    for placement, page in zip(spec.placements, stamped, strict=True):
        build = np.asarray(attack.stamp(image, word, placement, spec, atlas))
        # a Uint8Array comes back from JSON as {"0": r, "1": g, ...}
        page = np.array([page[str(i)] for i in range(len(page))] if isinstance(page, dict) else page, dtype=np.uint8)
        assert not np.array_equal(build, canvas)                            # something was stamped
        assert np.array_equal(page.reshape(build.shape), build), placement.id  # and the same pixels


def test_the_page_refuses_what_the_atlas_cannot_draw(page_spec):
    _, _, shipped = page_spec
    with Views(ROOT / "templates" / "assets") as views:
        glyphs = views.call(("stamp", "glyphsOf", shipped))[0]
        assert views.call(("stamp", "unstampable", "café ☕ ok", glyphs))[0] == ["é", "☕"]
        assert views.call(*[("stamp", "stampable", word, glyphs) for word in ("dog", "  ", "x" * 41, "<b>", "é")]) \
            == [True, False, False, True, False]
    assert sorted(glyphs) == sorted(attack.CHARACTERS)  # what the snapshot's attack.glyphs says (Attack.snapshot)
