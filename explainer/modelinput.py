"""The "what the model sees" figure: each photo as the image encoder receives it, made by the very
preprocessing the embed step runs (`Clip.preprocess`, transformers' CLIPImageProcessorPil): the short side
resized to image_size, the centre image_size x image_size square cropped, each channel normalised with
CLIP's mean and standard deviation.

Files, per photo (site/seen/):
  {id}-input.png      (image_size, image_size, 3) the pixel values with the normalisation undone, 8-bit
  {id}-{r,g,b}.png    (image_size, image_size) one normalised channel as grey: CHANNEL_RANGE maps to 0..255

Preprocessing six photos takes seconds, so the files are kept in .cache/model-input/{key}/, the key being
the photo's sha256, the preprocessor config's bytes and FORMAT_VERSION: a warm rebuild (a prose edit)
copies them and never calls the processor.
"""
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

FORMAT_VERSION = 1  # bump when the files or the stats change shape, so old cache entries are not used

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


def input_key(photo_sha256, model_folder):
    """The cache folder name for one photo: its bytes, the processor's settings and this module's format."""
    config = (Path(model_folder) / "preprocessor_config.json").read_bytes()
    digest = hashlib.sha256(f"model-input-v{FORMAT_VERSION}\0{photo_sha256}\0".encode() + config)
    return digest.hexdigest()[:32]


def preprocess_photo(folder, photo, clip):
    """Run the processor on one photo and write its four files (without the id prefix) into folder;
    returns the per-channel stats."""
    pixels = clip.preprocess(photo.image)[0].numpy()  # (3, image_size, image_size) float32
    mean, std = clip.processor.image_mean, clip.processor.image_std
    Image.fromarray(undo_normalisation(pixels, mean, std), "RGB").save(folder / "input.png", optimize=True)
    for name, channel in zip(CHANNELS, pixels, strict=True):
        Image.fromarray(to_grey(channel), "L").save(folder / f"{name}.png", optimize=True)
    return {name: dict(mean=round(float(c.mean()), 3), min=round(float(c.min()), 3), max=round(float(c.max()), 3))
            for name, c in zip(CHANNELS, pixels, strict=True)}


def cached_inputs(cache, photo, clip):
    """The cache folder holding this photo's files and stats.json, preprocessing it only on a miss."""
    def fill(folder):
        stats = preprocess_photo(folder, photo, clip)
        (folder / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
    return cache.folder_memo("model-input", input_key(photo.sha256, clip.folder), fill, last="stats.json")


def write_model_inputs(folder, photos, clip, cache):
    """Write the files above for every photo (from the cache when it has them); returns
    {id: {channel: {mean, min, max}}}, for the captions."""
    folder.mkdir(parents=True, exist_ok=True)
    stats = {}
    for photo in photos:
        entry = cached_inputs(cache, photo, clip)
        for name in ("input",) + CHANNELS:
            shutil.copyfile(entry / f"{name}.png", folder / f"{photo.id}-{name}.png")
        stats[photo.id] = json.loads((entry / "stats.json").read_text(encoding="utf-8"))
    return stats
