"""Opening photos safely: one RGB image per file, whatever mode or orientation it was saved in, carrying
nothing but its pixels and a small colour profile into the files the site serves."""
import io
import warnings

from PIL import Image, ImageCms, ImageOps

from .errors import BuildError

MAX_PIXELS = 40_000_000  # refuse before decoding: a huge image would eat the build's memory
MAX_ASPECT = 5           # longer side / shorter side: the site's photos are 640 px wide, so at most 3,200 px tall
MAX_PROFILE_BYTES = 64 * 1024  # a colour profile this small is kept (sRGB's is 3 KB); a larger one is converted
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
            if max(image.size) > MAX_ASPECT * max(min(image.size), 1):
                raise BuildError(f"image is {image.width}x{image.height} pixels, longer than {MAX_ASPECT} times its "
                                 "width or height; crop it first", path)
            # an MPO (a phone's JPEG with a second, depth or preview frame) is its first frame
            if getattr(image, "n_frames", 1) > 1 and image.format != "MPO":
                raise BuildError("animated images are not supported; save one frame as PNG or JPEG", path)
            image.load()
    except BuildError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise BuildError(f"cannot read image: {error}", path) from None
    image = ImageOps.exif_transpose(image)
    profile = image.info.get("icc_profile") or b""
    image = to_rgb(image)
    source = rgb_profile(profile)  # None: no profile, one Little CMS cannot read, or a CMYK or grey one
    if source is not None and len(profile) > MAX_PROFILE_BYTES:
        image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    # The pixels the model reads are the file's, as CLIP's own preprocessing reads them; the encoded photos carry
    # a small RGB profile (browsers show an Adobe RGB photo right) and nothing else of the file's metadata
    # (EXIF's GPS, XMP, comments, a 10 MB profile copied into every AVIF).
    keep = source is not None and len(profile) <= MAX_PROFILE_BYTES
    image.info = {"icc_profile": profile} if keep else {}
    return image


def rgb_profile(profile):
    """The ICC profile (its bytes) as a Little CMS profile if it describes RGB, else None."""
    if not profile:
        return None
    try:
        parsed = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None
    return parsed if parsed.profile.xcolor_space.strip() == "RGB" else None


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
