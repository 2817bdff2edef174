"""The "what the model sees" figure: its files are the embed step's own preprocessing (Clip.preprocess),
and in the page it follows the photo picker with the crop box where the processor keeps its square."""
import numpy as np
from browser import SCREENSHOTS, choose_in_bar
from conftest import CACHE, STAND_IN
from PIL import Image

from explainer.embed import Clip
from explainer.model import resolve_model
from explainer.photos import open_photo

ROOT_PHOTOS = __import__("pathlib").Path(__file__).resolve().parent.parent / "photos"


def test_files_are_the_embed_steps_pixels(site):
    out, _ = site
    model = resolve_model(STAND_IN, CACHE)
    clip = Clip(model.folder)
    for path in sorted(p for p in ROOT_PHOTOS.iterdir() if p.suffix in (".png", ".jpg")):
        pixels = clip.preprocess(open_photo(path))[0].numpy().astype(np.float64)  # (3, S, S)
        size = model.shape.image_size
        assert pixels.shape == (3, size, size)
        mean = np.array(clip.processor.image_mean)[:, None, None]
        std = np.array(clip.processor.image_std)[:, None, None]
        shown = np.asarray(Image.open(out / "seen" / f"{path.stem}-input.png").convert("RGB"), dtype=np.float64)
        expected = np.clip(pixels * std + mean, 0, 1).transpose(1, 2, 0) * 255
        assert np.abs(shown - expected).max() <= 0.51
        for i, name in enumerate("rgb"):
            grey = np.asarray(Image.open(out / "seen" / f"{path.stem}-{name}.png"), dtype=np.float64)
            back = grey / 255 * 4.2 - 2.0  # CHANNEL_RANGE, written out again here
            inside = (pixels[i] > -2.0) & (pixels[i] < 2.2)
            assert np.abs(back - pixels[i])[inside].max() <= 4.2 / 255 / 2 + 1e-6


def test_figure_follows_the_photo_picker(open_page):
    page, _ = open_page("seen.html")  # the figure's deep-dive page, where the control bar picks the photo
    page.locator("#seen").scroll_into_view_if_needed()
    page.wait_for_function("() => document.getElementById('seen-input').complete", timeout=15000)
    choose_in_bar(page, photo="astronaut")
    page.wait_for_function("() => document.getElementById('seen-input').src.endsWith('seen/astronaut-input.png')",
                           timeout=15000)
    page.locator("#seen").scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('#seen img')]"
                           ".every(i => i.complete && i.naturalWidth)", timeout=15000)
    photo = page.locator("#seen-photo").bounding_box()
    crop = page.locator("#seen-crop").bounding_box()
    natural = page.evaluate("[document.getElementById('seen-photo').naturalWidth, "
                            "document.getElementById('seen-photo').naturalHeight]")
    side = min(natural) / max(natural) * (photo["width"] if natural[0] >= natural[1] else photo["height"])
    assert abs(min(crop["width"], crop["height"]) - side) <= 3  # the kept square, measured on screen
    assert abs(crop["x"] + crop["width"] / 2 - (photo["x"] + photo["width"] / 2)) <= 2  # centred
    grid = page.locator("#seen .seen-grid").count()
    size, patch = page.evaluate("[+document.getElementById('seen').dataset.imageSize, "
                                "+document.getElementById('seen').dataset.patchSize]")
    assert grid == 2 * (size // patch - 1)
    stats = __import__("json").loads(page.evaluate("fetch('seen/stats.json').then(r => r.text())"))
    assert float(page.locator("#seen-r-stats").get_attribute("data-mean")) == stats["astronaut"]["r"]["mean"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("#seen").screenshot(path=str(SCREENSHOTS / f"seen-{width}.png"))


class CountingClip(Clip):
    """Clip that counts the processor calls, so a test can see whether a build preprocessed anything."""
    calls = 0

    def preprocess(self, image):
        CountingClip.calls += 1
        return super().preprocess(image)


def test_a_warm_rebuild_does_no_preprocessing(small, stand_in):
    from conftest import small_build
    cache, out = small[2], small[3]
    small_build(small)  # cold: embeds and preprocesses every photo
    first = {p.name: p.read_bytes() for p in (out / "seen").iterdir()}
    assert len(list((cache / "model-input").iterdir())) == 6
    CountingClip.calls = 0
    small_build(small, clip=CountingClip(cache / "models" / stand_in.folder.name))
    assert CountingClip.calls == 0  # neither the embed step nor the figure ran the processor
    assert {p.name: p.read_bytes() for p in (out / "seen").iterdir()} == first  # the same files, from the cache
    # a changed processor setting is a different key: the photos are preprocessed again
    config = cache / "models" / stand_in.folder.name / "preprocessor_config.json"
    config.write_text(config.read_text().replace("{", '{"_note": "changed",', 1))
    small_build(small, clip=CountingClip(cache / "models" / stand_in.folder.name))
    assert CountingClip.calls > 0
    assert len(list((cache / "model-input").iterdir())) == 12  # six new entries beside the old six
