"""The golden check: a CLIP checkpoint against numbers its authors published (golden/cases.yaml).

    python -m explainer.golden --model openai/clip-vit-base-patch32 [--cases golden/cases.yaml] [--fetch]

The model is found by model.resolve_model (a hub id, a save_pretrained folder or the stand-in, as for the
build) and run the way the published examples run it: transformers' CLIPModel and CLIPProcessor,
processor(text=..., images=..., return_tensors="pt", padding=True), logits_per_image, softmax over the texts.
A case whose numbers came from OpenAI's own code says `preprocess: openai-clip`: its image then reaches the
model as clip.load's preprocess makes it (openai_clip_pixels below; its text still goes through the processor).

Exit 0: every case that ran agrees; 1: a number disagrees, or the model has no case that ran (never a silent
pass); 2: the cases file or an image is bad (named with its line), or the model cannot be had.
"""
import argparse
import hashlib
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from .errors import BuildError
from .model import DEFAULT_MODEL, resolve_model

ROOT = Path(__file__).resolve().parent.parent
CASES_FILE = ROOT / "golden" / "cases.yaml"
NUMBERS = ("probs", "logits")            # what a case may expect, each one number per text
PREPROCESS = ("processor", "openai-clip")
UNKNOWN = "unknown"                       # sha256 of a fetched image nobody has yet established
FETCH_TIMEOUT = 60                        # seconds
LINE = "__line__"                         # the loader's note of where a mapping starts


@dataclass(frozen=True)
class Case:
    name: str
    line: int                 # where the case starts in the cases file
    texts: list
    expected: dict            # "probs" and/or "logits" -> list of floats, one per text
    tolerance: float          # absolute, for each number
    sha256: str               # of the image's bytes, or UNKNOWN (only with url)
    image: Path = None        # a file next to the cases file
    url: str = None           # or where the workflow fetches it (--fetch)
    preprocess: str = "processor"


class _LineLoader(yaml.SafeLoader):
    """Safe YAML that remembers each mapping's line, so an error can name it."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1
        return mapping


def load_cases(path):
    """{model id: [Case]} from the cases file; anything malformed is a BuildError naming file and line."""
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (a SafeLoader)
    except FileNotFoundError:
        raise BuildError("no such cases file", path) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise BuildError(f"cannot read the cases file: {error}", path) from None
    if not isinstance(data, dict):
        raise BuildError("expected a mapping of model ids to lists of cases", path, 1)
    data.pop(LINE, None)
    cases = {}
    for model, entries in data.items():
        if not isinstance(entries, list) or not entries:
            raise BuildError(f"model {model!r}: expected a non-empty list of cases", path)
        cases[str(model)] = [parse_case(entry, path, Path(path).parent) for entry in entries]
        names = [case.name for case in cases[str(model)]]
        twice = next((case for i, case in enumerate(cases[str(model)]) if case.name in names[:i]), None)
        if twice:
            raise BuildError(f"model {model!r}: two cases are named {twice.name!r}", path, twice.line)
    return cases


def parse_case(entry, path, folder):
    line = entry.get(LINE) if isinstance(entry, dict) else None
    if not isinstance(entry, dict):
        raise BuildError(f"expected a case (a mapping), not {entry!r}", path)

    def bad(message):
        return BuildError(f"case {entry.get('name', '?')!r}: {message}", path, line)

    for key in ("name", "texts", "tolerance", "sha256", "source", "licence"):
        if key not in entry:
            raise bad(f"missing key {key!r}")
    texts = entry["texts"]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise bad("texts: expected a list of strings")
    expected = expected_numbers(entry, len(texts), bad)
    tolerance = entry["tolerance"]
    if not isinstance(tolerance, (int, float)) or isinstance(tolerance, bool) or not tolerance >= 0:
        raise bad(f"tolerance: expected a number >= 0, not {tolerance!r}")
    if ("image" in entry) == ("url" in entry):
        raise bad("give exactly one of image (a file next to the cases file) and url (fetched with --fetch)")
    sha256 = str(entry["sha256"]).lower()
    if not (len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256)) and not (
            sha256 == UNKNOWN and "url" in entry):
        raise bad(f"sha256: expected 64 hex digits (or {UNKNOWN!r} for a fetched image), not {entry['sha256']!r}")
    preprocess = entry.get("preprocess", "processor")
    if preprocess not in PREPROCESS:
        raise bad(f"preprocess: choose one of {', '.join(PREPROCESS)}, not {preprocess!r}")
    image = folder / entry["image"] if "image" in entry else None
    return Case(str(entry["name"]), line, texts, expected, float(tolerance), sha256, image, entry.get("url"),
                preprocess)


def expected_numbers(entry, n_texts, bad):
    """{"probs"/"logits": [float] * n_texts} from a case; bad(message) -> the error to raise."""
    expected = {key: entry[key] for key in NUMBERS if key in entry}
    if not expected:
        raise bad(f"expects no numbers: give {' and/or '.join(NUMBERS)}")
    for key, numbers in expected.items():
        if (not isinstance(numbers, list) or len(numbers) != n_texts
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in numbers)):
            raise bad(f"{key}: expected {n_texts} numbers, one per text")
    return {key: [float(x) for x in numbers] for key, numbers in expected.items()}


def image_bytes(case, path, fetch):
    """The case's image bytes, checked against its sha256; None when it must be fetched and fetch is off."""
    if case.image is not None:
        try:
            data = case.image.read_bytes()
        except OSError as error:
            raise BuildError(f"case {case.name!r}: cannot read its image {case.image}: {error}", path, case.line) \
                from None
    elif not fetch:
        return None
    else:
        try:
            with urllib.request.urlopen(case.url, timeout=FETCH_TIMEOUT) as response:  # noqa: S310 (the file's url)
                data = response.read()
        except OSError as error:
            raise BuildError(f"case {case.name!r}: cannot fetch {case.url}: {error}", path, case.line) from None
    got = hashlib.sha256(data).hexdigest()
    if case.sha256 == UNKNOWN:
        print(f"NOTE  {case.name}: {case.url} has sha256 {got}; not yet pinned in the cases file")
    elif got != case.sha256:
        where = case.image or case.url
        raise BuildError(f"case {case.name!r}: image {where} has sha256 {got}, the cases file expects "
                         f"{case.sha256}", path, case.line)
    return data


def openai_clip_pixels(image, processor):
    """(1, 3, S, S) float32 pixels as OpenAI's clip.load preprocess makes them (clip/clip.py _transform):
    torchvision's Resize(S, bicubic) on the image as opened (an RGBA image is resized with its alpha),
    CenterCrop(S), then convert("RGB") (which drops the alpha: transparent pixels turn black), /255, normalised.
    transformers' processor instead composites an RGBA image onto white before resizing."""
    from PIL import Image
    size = processor.image_processor.crop_size["height"]
    width, height = image.size
    short, long = min(width, height), max(width, height)
    new_long = int(size * long / short)  # torchvision's _compute_resized_output_size
    new_size = (size, new_long) if width <= height else (new_long, size)
    image = image.resize(new_size, Image.BICUBIC)
    left, top = int(round((new_size[0] - size) / 2.0)), int(round((new_size[1] - size) / 2.0))
    image = image.crop((left, top, left + size, top + size)).convert("RGB")
    mean = np.asarray(processor.image_processor.image_mean, dtype=np.float32)
    std = np.asarray(processor.image_processor.image_std, dtype=np.float32)
    pixels = (np.asarray(image, dtype=np.float32) / 255 - mean) / std  # (S, S, 3)
    return pixels.transpose(2, 0, 1)[None].copy()


def run_case(case, data, model, processor):
    """{"logits": [...], "probs": [...]} for the case's image against its texts."""
    import io

    import torch
    from PIL import Image
    image = Image.open(io.BytesIO(data))
    inputs = processor(text=case.texts, images=image, return_tensors="pt", padding=True)
    if case.preprocess == "openai-clip":
        inputs["pixel_values"] = torch.from_numpy(openai_clip_pixels(image, processor))
    with torch.no_grad():
        logits = model(**inputs).logits_per_image  # (1, n_texts)
    return {"logits": logits[0].tolist(), "probs": logits.softmax(dim=-1)[0].tolist()}


def compare(case, got):
    """Prints one line per number; returns the failures' descriptions."""
    failures = []
    for key, expected in case.expected.items():
        for i, (want, have) in enumerate(zip(expected, got[key], strict=True)):
            difference = abs(have - want)
            verdict = "PASS" if difference <= case.tolerance else "FAIL"
            label = f"{key}[{i}] ({case.texts[i]!r})"
            print(f"{verdict}  {case.name}  {label}: expected {want:.8g}, got {have:.8g}, "
                  f"difference {difference:.3g} (tolerance {case.tolerance:g})")
            if verdict == "FAIL":
                failures.append(f"case {case.name!r}: {label} expected {want:.8g}, got {have:.8g}")
    return failures


def settings_pin(model_name):
    """content/settings.yaml's pin (revision, sha256) of this model, if it has one: the check downloads and proves
    the same weights the build then loads, and a wrong sha256 fails it before anything is built."""
    from .settings import read_settings
    return read_settings(ROOT / "content" / "settings.yaml")["model_pins"].get(model_name)


def check(model_name, cases_path=CASES_FILE, cache=ROOT / ".cache", fetch=False, cases_for=None):
    """Runs the model's cases; returns the exit status (0 or 1). Raises BuildError for bad input (exit 2)."""
    cases_path = Path(cases_path)
    all_cases = load_cases(cases_path)
    key = cases_for or model_name
    if key not in all_cases and cases_for is None and Path(model_name).is_dir():
        key = resolve_model(model_name, cache).name  # a save_pretrained folder: its own name
    if key not in all_cases:
        print(f"golden check FAILED: {cases_path} has no case for model {key!r} (it has: "
              f"{', '.join(all_cases) or 'none'}); nothing proves this model", file=sys.stderr)
        return 1
    cases = all_cases[key]
    images = {case.name: image_bytes(case, cases_path, fetch) for case in cases}  # every image checked first
    for case in cases:
        if images[case.name] is None:
            print(f"SKIP  {case.name}: its image is fetched from {case.url} (run with --fetch)")
    if all(data is None for data in images.values()):
        print(f"golden check FAILED: no case for {key!r} in {cases_path} could run (all need --fetch)",
              file=sys.stderr)
        return 1
    files = resolve_model(model_name, cache, settings_pin(model_name))  # the weights the build will pin
    from transformers import CLIPModel, CLIPProcessor
    from transformers.utils import logging
    logging.disable_progress_bar()
    model = CLIPModel.from_pretrained(files.folder).eval()
    processor = CLIPProcessor.from_pretrained(files.folder)
    print(f"golden check: {files.name} (weights sha256 {files.fingerprint}) against {cases_path}, "
          f"cases for {key!r}; image processor {type(processor.image_processor).__name__}")
    ran = [case for case in cases if images[case.name] is not None]
    failures = [failure for case in ran for failure in compare(case, run_case(case, images[case.name], model,
                                                                               processor))]
    if failures:
        print(f"golden check FAILED for {key!r} ({cases_path}):\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print(f"golden check passed: {len(ran)} case(s) for {key!r}"
          + (f", {len(cases) - len(ran)} skipped" if len(ran) < len(cases) else ""))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m explainer.golden", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help="a hub id, a folder written by save_pretrained, or stand-in (as for build.py)")
    parser.add_argument("--cases", default=CASES_FILE, type=Path, help="the cases file (default golden/cases.yaml)")
    parser.add_argument("--cases-for", default=None,
                        help="the model id whose cases to use (default: --model, or a folder's own name)")
    parser.add_argument("--cache", default=ROOT / ".cache", type=Path, help="the build's cache folder")
    parser.add_argument("--fetch", action="store_true", help="download the images of cases given by url")
    args = parser.parse_args(argv)
    try:
        return check(args.model, args.cases, args.cache, args.fetch, args.cases_for)
    except BuildError as error:
        print(f"golden check: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
