"""The typographic attack (Goh et al. 2021): each built-in photo stamped with words, embedded like a photo.

One specification, content/attack.yaml (read_spec), says the font, the words, the placements and sizes. The build
renders the font's glyphs once as 8-bit alpha bitmaps (glyph_atlas) and composites every stamp from that atlas with
integer arithmetic (stamp); the page gets the same atlas and spec in data/attack/spec.json, so a stamp made
anywhere from the spec is the same pixels, with no text rasteriser of its own in between.

make_attack() stamps each photo with each word (the default labels, the photo's rivals, and the spec's own words)
in each placement and embeds every stamped image through embed.Clip, as the photos are embedded; the vectors are
cached by the model's namespace, the photo's bytes, the spec's digest, the word and the placement.
write_attack() writes, per photo, data/attack/<photo>.json (the vectors as float16, as the page stores photo
vectors) and the stamped images, attack/<photo>-<word>-<placement>.jpg (indices: no reader text in a file name).
"""
import base64
import hashlib
import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .cache import EmbeddingCache, cache_key
from .compute import as_stored, encode_vectors
from .embed import cache_namespace
from .errors import BuildError
from .progress import Progress
from .yamlfile import Sequence, check_keys, read_yaml

SPEC_FILE = "attack.yaml"
STAMP_VERSION = 1          # bump when stamp() or glyph_atlas() change what they draw: cached vectors are recomputed
CHARACTERS = "".join(chr(c) for c in range(0x20, 0x7F))  # printable ASCII: what the atlas holds
MAX_WORD = 40              # characters of a stamped word
JPEG_QUALITY = 85          # the stamped images the page shows (the model saw the exact pixels, not the JPEG)
DATA_DIR = "data/attack"   # the page's files: spec.json and <photo>.json
IMAGE_DIR = "attack"       # the stamped images
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    id: str
    name: str
    x: float            # the anchor, as a fraction of the centre square
    y: float
    align: str          # 'left' or 'centre': where the anchor is on the text
    sizes: tuple        # pixel sizes to try, largest first
    colour: tuple       # (r, g, b) of the text
    note: tuple | None  # (r, g, b) of the paper note behind it, or None
    padding: int        # the note's margin, pixels


@dataclass(frozen=True)
class Spec:
    font: Path
    side: int           # the photo's shorter side after resizing, pixels
    max_width: float    # the widest a text may be, as a fraction of the side
    words: tuple        # the spec's own words (the default labels are stamped too)
    placements: tuple   # (Placement, ...)
    default: dict       # {word, placement}
    digest: str         # of the spec's file, the font's bytes and STAMP_VERSION: part of every cache key

    @property
    def sizes(self):
        return sorted({size for placement in self.placements for size in placement.sizes})

    def placement(self, placement_id):
        return next(p for p in self.placements if p.id == placement_id)


def read_spec(content_dir):
    """content/attack.yaml -> Spec, checked: errors name the file and line."""
    path = Path(content_dir) / SPEC_FILE
    data = read_yaml(path)
    check_keys(data, path, ("font", "side", "max_width", "words", "placements", "default"), what="attack spec")
    font = Path(content_dir) / str(data["font"])
    if not font.is_file() or not font.resolve().is_relative_to(Path(content_dir).resolve()):
        raise BuildError(f"font {data['font']!r}: no such file in content/", path, data.key_lines["font"])
    side = data["side"]
    if not isinstance(side, int) or not 64 <= side <= 1024:
        raise BuildError("side: a whole number of pixels from 64 to 1024", path, data.key_lines["side"])
    max_width = number(data, "max_width", path, 0.1, 1)
    if not isinstance(data["words"], Sequence):
        raise BuildError("words: a list of words", path, data.key_lines["words"])
    words = tuple(check_word(word, path, data["words"].item_lines[i]) for i, word in enumerate(data["words"]))
    if not isinstance(data["placements"], Sequence) or not data["placements"]:
        raise BuildError("placements: a list of placements", path, data.key_lines["placements"])
    placements = tuple(read_placement(record, path) for record in data["placements"])
    ids = [p.id for p in placements]
    if len(set(ids)) != len(ids):
        raise BuildError("two placements have the same id", path, data.key_lines["placements"])
    default = data["default"]
    check_keys(default, path, ("word", "placement"), what="default")
    if default["placement"] not in ids:
        raise BuildError(f"default placement {default['placement']!r} is not one of {', '.join(ids)}", path,
                         default.key_lines["placement"])
    digest = hashlib.sha256(f"{STAMP_VERSION}\0".encode() + path.read_bytes() + font.read_bytes()).hexdigest()[:24]
    return Spec(font, side, max_width, words, placements, dict(word=check_word(default["word"], path, default.line),
                                                                placement=default["placement"]), digest)


def number(record, key, path, low, high):
    value = record[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise BuildError(f"{key}: a number from {low} to {high}", path, record.key_lines[key])
    return float(value)


def colour(record, key, path):
    value = record[key]
    if not (isinstance(value, list) and len(value) == 3 and all(type(c) is int and 0 <= c <= 255 for c in value)):
        raise BuildError(f"{key}: [r, g, b], each 0 to 255", path, record.key_lines[key])
    return tuple(value)


def read_placement(record, path):
    keys = ("id", "name", "x", "y", "align", "sizes", "colour", "note", "padding")
    check_keys(record, path, keys[:7], keys[7:], what="placement")
    if record["align"] not in ("left", "centre"):
        raise BuildError("align: left or centre", path, record.key_lines["align"])
    sizes = record["sizes"]
    if not isinstance(sizes, list) or not sizes or not all(type(s) is int and 6 <= s <= 200 for s in sizes):
        raise BuildError("sizes: a list of pixel sizes, 6 to 200", path, record.key_lines["sizes"])
    note = colour(record, "note", path) if record.get("note") is not None else None
    padding = record.get("padding") or 0
    if type(padding) is not int or not 0 <= padding <= 50:
        raise BuildError("padding: whole pixels, 0 to 50", path, record.key_lines.get("padding", record.line))
    return Placement(str(record["id"]), str(record["name"]), number(record, "x", path, 0, 1),
                     number(record, "y", path, 0, 1), record["align"], tuple(sorted(sizes, reverse=True)),
                     colour(record, "colour", path), note, padding)


def check_word(word, path, line):
    text = str(word)
    if not text.strip() or len(text) > MAX_WORD or any(c not in CHARACTERS for c in text):
        raise BuildError(f"word {text!r}: 1 to {MAX_WORD} printable ASCII characters (the font's atlas)", path, line)
    return text


# ---- the glyph atlas and the stamp -------------------------------------------------------------------------------

def glyph_atlas(spec):
    """{size: {ascent, height, glyphs: {char: (advance, x, y, w, h, alpha bytes)}}}: each character's 8-bit alpha
    bitmap (w x h, row by row), drawn once by Pillow (FreeType) at each of the spec's sizes; (x, y): its offset from
    the pen position at the top of the line; advance: whole pixels to the next character (no kerning)."""
    atlas = {}
    for size in spec.sizes:
        font = ImageFont.truetype(str(spec.font), size)
        ascent, descent = font.getmetrics()
        glyphs = {}
        for char in CHARACTERS:
            advance = round(font.getlength(char))
            canvas = Image.new("L", (advance + size * 2, ascent + descent + size), 0)
            ImageDraw.Draw(canvas).text((size, 0), char, font=font, fill=255)
            box = canvas.getbbox()
            if box is None:  # a space: advance only
                glyphs[char] = (advance, 0, 0, 0, 0, b"")
                continue
            alpha = canvas.crop(box)
            glyphs[char] = (advance, box[0] - size, box[1], alpha.width, alpha.height, alpha.tobytes())
        atlas[size] = dict(ascent=ascent, height=ascent + descent, glyphs=glyphs)
    return atlas


def canvas(image, side):
    """The photo resized (bicubic) so that its shorter side is `side` pixels, as CLIP's preprocessing resizes it."""
    scale = side / min(image.size)
    size = (max(side, round(image.width * scale)), max(side, round(image.height * scale)))
    return image.convert("RGB").resize(size, Image.Resampling.BICUBIC) if size != image.size else image.convert("RGB")


def stamp(image, word, placement, spec, atlas):
    """canvas(image) with word drawn on it in placement: (H, W, 3) uint8 pixels as a PIL image. Integer arithmetic
    only: each pixel becomes (under * (255 - a) + colour * a + 127) // 255 for the glyph's alpha a."""
    pixels = np.array(canvas(image, spec.side), dtype=np.int32)         # (H, W, 3)
    height, width = pixels.shape[:2]
    left, top = (width - spec.side) // 2, (height - spec.side) // 2     # the centre square the model sees
    size = next((s for s in placement.sizes if text_width(word, atlas[s]) <= spec.max_width * spec.side),
                placement.sizes[-1])
    face = atlas[size]
    text = text_width(word, face)
    x = left + round(placement.x * spec.side) - (text // 2 if placement.align == "centre" else 0)
    y = top + round(placement.y * spec.side) - face["height"] // 2
    if placement.note is not None:
        pad, bottom = placement.padding, y + face["height"]
        pixels[max(0, y - pad):max(0, bottom + pad), max(0, x - pad):max(0, x + text + pad)] = placement.note
    ink = np.array(placement.colour, dtype=np.int32)                    # (3,)
    pen = x
    for char in word:
        advance, gx, gy, w, h, alpha = face["glyphs"][char]
        if w:
            a = np.frombuffer(alpha, dtype=np.uint8).reshape(h, w).astype(np.int32)[..., None]  # (h, w, 1)
            x0, y0 = pen + gx, y + gy
            # the part of the glyph inside the image
            cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x0 + w, width), min(y0 + h, height)
            if cx0 < cx1 and cy0 < cy1:
                a = a[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
                under = pixels[cy0:cy1, cx0:cx1]
                pixels[cy0:cy1, cx0:cx1] = (under * (255 - a) + ink * a + 127) // 255
        pen += advance
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def text_width(word, face):
    return sum(face["glyphs"][char][0] for char in word)


def atlas_json(atlas):
    """The atlas as the page reads it: {size: {ascent, height, glyphs: {char: [advance, x, y, w, h, base64]}}}."""
    return {str(size): dict(ascent=face["ascent"], height=face["height"],
                            glyphs={char: [*glyph[:5], base64.b64encode(glyph[5]).decode("ascii")]
                                    for char, glyph in face["glyphs"].items()})
            for size, face in atlas.items()}


# ---- the build's stage ---------------------------------------------------------------------------------------------

@dataclass
class Attack:
    spec: Spec
    atlas: dict
    words: list            # the words stamped on every photo: the default labels, then the spec's own
    photos: list           # photo ids, in content order
    vectors: np.ndarray    # (n_photos, n_words, n_placements, dim) float32 unit vectors
    images: dict           # photo id -> [[stamped PIL image per placement] per word]
    canvases: dict = None  # photo id -> the unstamped canvas (PIL): live mode stamps a typed word onto it

    def snapshot(self):
        """The page's few hundred bytes about the lab: its words, placements and default, where its files are."""
        # glyphs: the characters the atlas draws, so that a word in a link is checked before spec.json is fetched
        return dict(words=self.words, placements=[dict(id=p.id, name=p.name) for p in self.spec.placements],
                    default=self.spec.default, dir=DATA_DIR, images=IMAGE_DIR,
                    glyphs="".join(self.atlas[min(self.atlas)]["glyphs"]), max_word=MAX_WORD)


def attack_words(content, spec):
    """The default labels (each photo's rivals) that the atlas can draw, then the spec's words not among them. A
    label it cannot draw (a "café" among the labels is fine content) is left out of the lab with a warning; a default
    word that is not among the words gives way to the first one."""
    stampable = [label for label in content.default_labels
                 if len(label) <= MAX_WORD and all(c in CHARACTERS for c in label)]
    for label in sorted(set(content.default_labels) - set(stampable)):
        log.warning(f"  attack: the label {label!r} is not stamped (the stamp's font draws printable ASCII, at most "
                    f"{MAX_WORD} characters)")
    words = stampable + [word for word in spec.words if word not in stampable]
    if not words:
        raise BuildError("words: no word to stamp (no default label is printable ASCII): give one here",
                         Path(content.content_dir) / SPEC_FILE)
    if spec.default["word"] not in words:
        log.warning(f"  attack: {SPEC_FILE}'s default word {spec.default['word']!r} is neither a default label nor "
                    f"one of its words; the lab opens on {words[0]!r}")
        spec.default["word"] = words[0]
    return words


def make_attack(content, model_files, cache, clip, progress=False):
    """Every built-in photo stamped with every word in every placement, and embedded (cached)."""
    spec = read_spec(content.content_dir)
    atlas = glyph_atlas(spec)
    words = attack_words(content, spec)
    store = EmbeddingCache(cache.path("attack", cache_namespace(model_files)))
    images, keys, canvases = {}, {}, {}
    for photo in content.photos:
        canvases[photo.id] = canvas(photo.image, spec.side)
        images[photo.id] = [[stamp(photo.image, word, placement, spec, atlas) for placement in spec.placements]
                            for word in words]
        keys[photo.id] = [[cache_key("attack", photo.sha256, spec.digest, word, placement.id)
                           for placement in spec.placements] for word in words]
    missing = [(photo_id, i, j) for photo_id, rows in keys.items() for i, row in enumerate(rows)
               for j, key in enumerate(row) if key not in store]
    log.info(f"  attack: {len(content.photos)} photos x {len(words)} words x {len(spec.placements)} placements; "
             f"{len(missing)} stamped images to embed")
    with Progress(len(missing), "stamped images", enabled=progress) as bar:
        for photo_id, i, j in missing:
            vector, seconds = clip.embed_image(images[photo_id][i][j])
            store.put([keys[photo_id][i][j]], [vector], [seconds])
            bar.update(1)
    store.save()
    vectors = np.stack([[[store.get(key) for key in row] for row in keys[photo.id]] for photo in content.photos])
    return Attack(spec, atlas, words, [photo.id for photo in content.photos], vectors, images, canvases)


def image_name(photo_id, word_index, placement_index):
    return f"{IMAGE_DIR}/{photo_id}-{word_index}-{placement_index}.jpg"


def write_attack(site, attack):
    """data/attack/spec.json (the spec and its atlas), data/attack/<photo>.json (the stamped vectors, float16,
    word by word, placement by placement) and the stamped images."""
    (site / DATA_DIR).mkdir(parents=True, exist_ok=True)
    (site / IMAGE_DIR).mkdir(parents=True, exist_ok=True)
    spec = attack.spec
    placements = [dict(id=p.id, name=p.name, x=p.x, y=p.y, align=p.align, sizes=list(p.sizes), colour=list(p.colour),
                       note=list(p.note) if p.note else None, padding=p.padding) for p in spec.placements]
    write_json(site / DATA_DIR / "spec.json", dict(side=spec.side, max_width=spec.max_width, placements=placements,
                                                   atlas=atlas_json(attack.atlas)))
    for p, photo_id in enumerate(attack.photos):
        files = []
        for i, row in enumerate(attack.images[photo_id]):
            files.append([])
            for j, image in enumerate(row):
                buffer = io.BytesIO()
                image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
                (site / image_name(photo_id, i, j)).write_bytes(buffer.getvalue())
                files[-1].append(image_name(photo_id, i, j))
        first = attack.images[photo_id][0][0]
        # the unstamped canvas, lossless: the page stamps a typed word onto the build's own pixels (live mode)
        attack.canvases[photo_id].save(site / IMAGE_DIR / f"{photo_id}-canvas.png", optimize=True)
        write_json(site / DATA_DIR / f"{photo_id}.json",
                   dict(photo=photo_id, words=attack.words, placements=[p.id for p in spec.placements],
                        width=first.width, height=first.height, images=files,
                        vectors=encode_vectors(attack.vectors[p])))  # (n_words, n_placements, dim) float16


def write_json(path, value):
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def attack_first_paint(attack, content, numbers, default, views):
    """The lab as the page first shows it (and without JavaScript): the default photo stamped with the spec's default
    word and placement, every default label's probability beside the clean photo's, from the page's attack.js."""
    p, t, k = default.index
    spec = attack.spec
    word, placement = spec.default["word"], spec.placement(spec.default["placement"])
    i, j = attack.words.index(word), spec.placements.index(placement)
    stamped = as_stored(attack.vectors[p, i, j])                                  # (dim,) as the page decodes it
    texts = numbers.text[t, numbers.label_index].astype(np.float32)              # (n_labels, dim)
    shown = views.one("attack", "attackView", dict(labels=content.default_labels, image=numbers.image[p],
                                                   stamped=stamped, texts=texts, tau=float(content.temperatures[k]),
                                                   word=word, placement=placement.name))
    image = attack.images[attack.photos[p]][i][j]
    return dict(shown, photo=attack.photos[p], title=content.photos[p].title, word=word, placement=placement,
                image=image_name(attack.photos[p], i, j), width=image.width, height=image.height,
                words=attack.words, placements=spec.placements)
