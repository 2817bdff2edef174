"""Opening photos safely: one RGB image per file, whatever mode or orientation it was saved in."""
import warnings

from PIL import Image, ImageOps

from .errors import BuildError

MAX_PIXELS = 40_000_000  # refuse before decoding: a huge image would eat the build's memory
WEB_WIDTHS = (320, 640)  # responsive sizes written to site/photos/
PHOTO_SUFFIXES = frozenset(Image.registered_extensions())  # every file name Pillow would open as an image


def open_photo(path):
    """Decode a photo to an 8-bit RGB PIL image, honouring EXIF orientation. Raises BuildError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            if image.width * image.height > MAX_PIXELS:
                raise BuildError(f"image is {image.width}x{image.height} pixels, over the limit of "
                                 f"{MAX_PIXELS // 1_000_000} megapixels; resize it first", path)
            if getattr(image, "n_frames", 1) > 1:
                raise BuildError("animated images are not supported; save one frame as PNG or JPEG", path)
            image.load()
    except BuildError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise BuildError(f"cannot read image: {error}", path) from None
    image = ImageOps.exif_transpose(image)
    return to_rgb(image)


def to_rgb(image):
    """Any Pillow mode -> RGB. Transparency is composited on white, 16-bit is scaled to 8-bit."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda v: v / 256).convert("L")  # 0..65535 -> 0..255
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        return background
    return image.convert("RGB")  # L, CMYK, YCbCr, RGB...
