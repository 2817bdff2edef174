"""Photos in any common form become correct 8-bit RGB; animated and huge images are refused."""
import io

import numpy as np
import pytest
from PIL import Image, ImageFile

from explainer.errors import BuildError
from explainer.photos import MAX_PIXELS, open_photo
from explainer.write import write_photos


def save(tmp_path, image, name, **kwargs):
    path = tmp_path / name
    image.save(path, **kwargs)
    return path


def test_greyscale_palette_cmyk_and_16_bit_become_rgb(tmp_path):
    grey = Image.new("L", (40, 30), 77)
    assert open_photo(save(tmp_path, grey, "grey.png")).getpixel((5, 5)) == (77, 77, 77)
    palette = Image.new("RGB", (40, 30), (200, 30, 10)).convert("P", palette=Image.Palette.ADAPTIVE)
    assert open_photo(save(tmp_path, palette, "palette.png")).getpixel((5, 5)) == (200, 30, 10)
    cmyk = Image.new("CMYK", (40, 30), (0, 255, 255, 0))  # pure red in CMYK
    r, g, b = open_photo(save(tmp_path, cmyk, "cmyk.jpg", quality=95)).getpixel((5, 5))
    assert r > 240 and g < 15 and b < 15
    deep = Image.fromarray(np.full((30, 40), 51400, dtype=np.uint16))  # 16-bit: 51400 / 257 = 200
    converted = open_photo(save(tmp_path, deep, "deep.png"))
    assert converted.mode == "RGB" and abs(converted.getpixel((5, 5))[0] - 200) <= 1


def test_transparency_is_composited_on_white(tmp_path):
    rgba = Image.new("RGBA", (40, 30), (10, 20, 30, 0))
    rgba.paste((10, 20, 30, 255), (0, 0, 20, 30))
    image = open_photo(save(tmp_path, rgba, "alpha.png"))
    assert image.mode == "RGB" and image.getpixel((30, 5)) == (255, 255, 255) and image.getpixel((5, 5)) == (10, 20, 30)
    palette = Image.new("P", (40, 30), 1)
    palette.putpalette([0, 0, 0, 250, 0, 0] + [0] * 762)
    palette.info["transparency"] = 1
    assert open_photo(save(tmp_path, palette, "ptrans.png", transparency=1)).getpixel((5, 5)) == (255, 255, 255)


def test_exif_orientation_is_applied(tmp_path):
    image = Image.new("RGB", (60, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 10, 20))  # red strip on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    rotated = open_photo(save(tmp_path, image, "rotated.jpg", exif=exif, quality=95))
    assert rotated.size == (20, 60)
    r, g, b = rotated.getpixel((10, 3))  # the strip is now on top
    assert r > 200 and b < 60


def test_animated_images_are_refused(tmp_path):
    frames = [Image.new("RGB", (20, 20), c) for c in ((255, 0, 0), (0, 255, 0))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with pytest.raises(BuildError, match="animated") as caught:
        open_photo(path)
    assert caught.value.path == path


def test_huge_images_are_refused_before_decoding(tmp_path, monkeypatch):
    width, height = 8000, MAX_PIXELS // 8000 + 10
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, "PNG")  # 1-bit: small to make, 40+ megapixels
    path = tmp_path / "huge.png"
    path.write_bytes(buffer.getvalue())
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self) or None)
    with pytest.raises(BuildError, match="megapixels"):
        open_photo(path)
    assert decoded == []


def test_web_versions_have_the_sizes_the_page_declares(tmp_path):
    class Photo:
        id, image = "wide", Image.new("RGB", (1000, 500), (1, 2, 3))
    files = write_photos(tmp_path, [Photo])["wide"]
    assert (files["width"], files["height"]) == (640, 320)
    with Image.open(tmp_path / "wide-640.jpg") as big, Image.open(tmp_path / "wide-320.jpg") as small:
        assert big.size == (640, 320) and small.size == (320, 160)
    assert files["srcset"] == "photos/wide-320.jpg 320w, photos/wide-640.jpg 640w"
