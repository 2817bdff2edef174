"""The "what the model sees" figure: each photo as the image encoder receives it, made by the very
preprocessing the embed step runs (`Clip.preprocess`, transformers' CLIPImageProcessorPil): the short side
resized to image_size, the centre image_size x image_size square cropped, each channel normalised with
CLIP's mean and standard deviation.

Files, per photo (site/seen/):
  {id}-input.png      (image_size, image_size, 3) the pixel values with the normalisation undone, 8-bit
  {id}-{r,g,b}.png    (image_size, image_size) one normalised channel as grey: CHANNEL_RANGE maps to 0..255
"""
import numpy as np
from PIL import Image

CHANNELS = ("r", "g", "b")
CHANNEL_RANGE = (-2.0, 2.2)  # normalised values drawn black .. white (CLIP's channels span about -1.8 .. 2.1)


def centre_crop_box(width, height):
    """The square the processor keeps, as fractions of the photo: (left, top, side_x, side_y). Resizing the
    short side to image_size and cropping the centre square keeps a min(width, height) square of the photo."""
    side = min(width, height)
    return ((width - side) / 2 / width, (height - side) / 2 / height, side / width, side / height)


def to_grey(channel):
    """(S, S) normalised values -> (S, S) uint8, CHANNEL_RANGE stretched to 0..255."""
    low, high = CHANNEL_RANGE
    return np.round(np.clip((channel - low) / (high - low), 0, 1) * 255).astype(np.uint8)


def undo_normalisation(pixels, mean, std):
    """(3, S, S) normalised -> (S, S, 3) uint8, the colours the processor started from (after resize+crop)."""
    rgb = pixels * np.asarray(std, dtype=np.float32)[:, None, None] + np.asarray(mean, dtype=np.float32)[:, None, None]
    return np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8).transpose(1, 2, 0)


def write_model_inputs(folder, photos, clip):
    """Write the files above for every photo; returns {id: {mean, min, max}} per channel, for the captions."""
    folder.mkdir(parents=True, exist_ok=True)
    stats = {}
    for photo in photos:
        pixels = clip.preprocess(photo.image)[0].numpy()  # (3, image_size, image_size) float32
        mean, std = clip.processor.image_mean, clip.processor.image_std
        Image.fromarray(undo_normalisation(pixels, mean, std), "RGB").save(folder / f"{photo.id}-input.png", optimize=True)
        for name, channel in zip(CHANNELS, pixels):
            Image.fromarray(to_grey(channel), "L").save(folder / f"{photo.id}-{name}.png", optimize=True)
        stats[photo.id] = {name: dict(mean=round(float(c.mean()), 3), min=round(float(c.min()), 3),
                                      max=round(float(c.max()), 3)) for name, c in zip(CHANNELS, pixels)}
    return stats
