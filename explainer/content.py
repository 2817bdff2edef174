"""Stage 1, read: content/ and photos/ in, one validated Content out. Errors name file and line."""
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import BuildError
from .markup import did_you_mean
from .photos import PHOTO_SUFFIXES, open_photo
from .references import read_references
from .yamlfile import Mapping, Sequence, check_keys, parse_yaml, read_yaml

PLACEHOLDER = "{label}"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TRAINED_TAU = 0.01  # CLIP's learned temperature: 1 / exp(ln 100); the slider must be able to show it


@dataclass(frozen=True)
class Photo:
    id: str
    path: Path
    title: str
    alt: str
    credit: str
    licence: str
    source: str
    sha256: str       # of the file's bytes: the embedding cache's key
    image: object     # PIL RGB image, EXIF orientation applied


@dataclass(frozen=True)
class Template:
    id: str
    text: str          # contains {label}; for the ensemble, a description
    ensemble: bool = False
    short: str = ""    # its name on a narrow screen's chart axis (the id when not given)

    def fill(self, label):
        return self.text.replace(PLACEHOLDER, label)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    kicker: str
    body: str          # Markdown, with `::: widget` lines
    path: Path
    body_line: int     # line of the body's first line in the file
    draft: bool = False  # built by `make serve`, left out of `make build`


@dataclass(frozen=True)
class Content:
    settings: dict
    photos: list            # [Photo], in picker order
    templates: list         # [Template], the selector's entries
    ensemble_templates: list  # [str], CLIP's 80 ImageNet templates
    default_labels: list    # [str]
    vocabulary: list        # [str], every label readers may add
    sections: list          # [Section], in page order
    temperatures: np.ndarray  # (n_tau,) float64, log-spaced
    default_tau_index: int
    warnings: list = ()     # [str]: problems that do not stop the build (an image with no record)
    references: dict = None  # {key: references.Reference} from content/references.bib, in file order
    figures: dict = None    # {widget: Figure} from content/figures.yaml: a figure's short name and caption
    content_dir: Path = None


def read_content(content_dir, photos_dir, drafts=False):
    """Read and check every input file; raises BuildError naming the first problem found.
    drafts: keep the sections marked `draft: true` (make serve) instead of leaving them out."""
    content_dir, photos_dir = Path(content_dir), Path(photos_dir)
    settings = read_settings(content_dir / "settings.yaml")
    vocabulary = read_lines(content_dir / "vocabulary.txt", what="vocabulary label")
    ensemble_templates = read_lines(content_dir / "ensemble-templates.txt", what="template",
                                    check=check_template_text)
    templates = read_templates(content_dir / "templates.yaml")
    photos = read_photos(photos_dir / "photos.yaml")
    default_labels = read_default_labels(content_dir / "labels.yaml", set(vocabulary))
    sections = read_sections(content_dir / "sections", drafts)
    settings_path = content_dir / "settings.yaml"
    for key, ids, where in (("default_photo", [p.id for p in photos], "photos/photos.yaml"),
                            ("default_template", [t.id for t in templates], "content/templates.yaml")):
        if settings[key] not in ids:
            hint = did_you_mean(str(settings[key]), ids, "'{}'")
            raise BuildError(f"{key} {settings[key]!r} is not an id in {where}{hint} (ids: {', '.join(ids)})",
                             settings_path, settings.key_lines[key])
    temperatures, default_tau_index = temperature_grid(settings["temperatures"], settings_path)
    return Content(settings, photos, templates, ensemble_templates, default_labels, vocabulary, sections,
                   temperatures, default_tau_index, warnings=unrecorded_images(photos_dir, photos),
                   references=read_references(content_dir / "references.bib"),
                   figures=read_figures(content_dir / "figures.yaml"), content_dir=content_dir)


@dataclass(frozen=True)
class Figure:
    name: str      # what prose writes in {fig:name}; the widget's own name works too
    caption: str   # shown after "Figure N."
    line: int      # in figures.yaml


def read_figures(path):
    """content/figures.yaml: for any widget, its short name for {fig:name} and its caption (both optional;
    every widget line gets its number whether or not it is listed). Widget names are checked when rendered."""
    if not path.exists():
        return {}
    data = read_yaml(path)
    if not isinstance(data, Mapping):
        raise BuildError("expected widget names, each with its name and caption", path, getattr(data, "line", 1))
    figures, names = {}, {}
    for widget in data:
        record = data[widget]
        check_keys(record, path, [], ["name", "caption"], what="figure")
        name = str(record.get("name", widget))
        if not ID_RE.match(name) or names.setdefault(name, widget) != widget:
            raise BuildError(f"figure name {name!r} must be unique, lowercase letters, digits and -",
                             path, data.key_lines[widget])
        figures[str(widget)] = Figure(name, " ".join(str(record.get("caption", "")).split()), data.key_lines[widget])
    return figures


def unrecorded_images(photos_dir, photos):
    """A warning for each image in photos/ that no record names: it would silently not be on the page."""
    recorded = {p.path.resolve() for p in photos}
    return [f"{path}: image has no record in photos/photos.yaml, so it is not on the page; add a record "
            "(id, file, title, alt, credit, licence, source) or remove the file"
            for path in sorted(Path(photos_dir).iterdir())
            if path.suffix.lower() in PHOTO_SUFFIXES and path.resolve() not in recorded]


SETTINGS_REQUIRED = ["title", "description", "default_photo", "default_template", "temperatures"]
# site_url: absolute preview-card URLs; live: live mode (explainer/live.py); cite: "Cite this page" (key, author)
SETTINGS_OPTIONAL = ["site_url", "live", "cite"]


def read_settings(path):
    settings = read_yaml(path)
    check_keys(settings, path, SETTINGS_REQUIRED, SETTINGS_OPTIONAL, what="settings")
    if settings.get("site_url") is not None and not re.match(r"^https?://[^\s/]+(/\S*)?$", str(settings["site_url"])):
        raise BuildError(f"site_url {settings['site_url']!r} must be an absolute http(s) URL such as "
                         "https://example.org/clip/", path, settings.key_lines["site_url"])
    check_keys(settings["temperatures"], path, ["tau_min", "tau_max", "steps_per_decade"], what="temperatures")
    if settings.get("cite") is not None:
        check_keys(settings["cite"], path, [], ["key", "author"], what="cite settings")
    settings["live"] = read_live_settings(settings.get("live"), path, settings.key_lines.get("live"))
    return settings


LIVE_DEFAULTS = dict(enabled=True, max_cosine_error=0.005, min_top1_agreement=1.0, near_tie=0.001)


def read_live_settings(live, path, line):
    """settings.yaml's optional `live:` block (see explainer/live.py), with its defaults filled in."""
    if live is None:
        return dict(LIVE_DEFAULTS)
    check_keys(live, path, [], list(LIVE_DEFAULTS), what="live settings")
    out = {**LIVE_DEFAULTS, **live}
    if not isinstance(out["enabled"], bool):
        raise BuildError(f"live: enabled must be true or false, not {out['enabled']!r}", path,
                         live.key_lines.get("enabled", line))
    for key in ("max_cosine_error", "min_top1_agreement", "near_tie"):
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise BuildError(f"live: {key} must be a number from 0 to 1, not {value!r}", path,
                             live.key_lines.get(key, line))
    return out


def temperature_grid(spec, path):
    """tau_min..tau_max, steps_per_decade points per decade; returns (grid, index of 0.01)."""
    try:
        lo, hi, steps = float(spec["tau_min"]), float(spec["tau_max"]), int(spec["steps_per_decade"])
    except (TypeError, ValueError):
        raise BuildError("temperatures need numbers: tau_min, tau_max, steps_per_decade", path, spec.line) from None
    if not (0 < lo < hi) or steps < 1:
        raise BuildError("temperatures need 0 < tau_min < tau_max and steps_per_decade >= 1", path, spec.line)
    n = round(math.log10(hi / lo) * steps)
    exact = 10 ** (math.log10(lo) + np.arange(n + 1) / steps)  # (n_tau,)
    grid = np.array([float(f"{t:.6g}") for t in exact])  # 6 digits: the same values in Python, JSON and JS
    index = int(np.argmin(np.abs(np.log10(grid / TRAINED_TAU))))
    if abs(math.log10(grid[index] / TRAINED_TAU)) > 1e-9:
        raise BuildError(f"the grid must contain CLIP's trained temperature {TRAINED_TAU}; choose tau_min "
                         "and steps_per_decade so that it falls on a step", path, spec.line)
    grid[index] = TRAINED_TAU
    return grid, index


def read_lines(path, what, check=None):
    """A text file of one entry per line; blank lines and # comments skipped; duplicates refused."""
    try:
        raw = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise BuildError(f"cannot read: {error}", path) from None
    entries, seen = [], {}
    for line_no, line in enumerate(raw, 1):
        entry = " ".join(line.split())
        if not entry or entry.startswith("#"):
            continue
        if entry.lower() in seen:
            raise BuildError(f"duplicate {what} {entry!r} (first on line {seen[entry.lower()]})", path, line_no)
        if check:
            check(entry, path, line_no)
        seen[entry.lower()] = line_no
        entries.append(entry)
    if not entries:
        raise BuildError(f"no {what} found; the file must list at least one", path)
    return entries


def check_template_text(text, path, line):
    if not isinstance(text, str) or text.count(PLACEHOLDER) != 1:
        raise BuildError(f"template {text!r} must contain {PLACEHOLDER} exactly once", path, line)


def read_records(path, what, required, optional=()):
    """A YAML list of records with unique `id`s; yields (id, record)."""
    records = read_yaml(path)
    if not isinstance(records, Sequence) or not records:
        raise BuildError(f"expected a list of {what}s", path, getattr(records, "line", 1))
    ids = set()
    for record in records:
        check_keys(record, path, required, optional, what=what)
        record_id = str(record["id"])
        if not ID_RE.match(record_id) or record_id in ids:
            raise BuildError(f"{what} id {record_id!r} must be unique, lowercase letters, digits and -",
                             path, record.key_lines["id"])
        ids.add(record_id)
        yield record_id, record


SHORT_MAX = 12  # characters in a template's short name: two columns of a phone's template heatmap


def read_templates(path):
    templates = []
    for template_id, record in read_records(path, "template", ["id", "text"], ["ensemble", "short"]):
        ensemble = record.get("ensemble", False) is True
        if not ensemble:
            check_template_text(record["text"], path, record.key_lines["text"])
        short = " ".join(str(record.get("short", template_id)).split())
        if not short or len(short) > SHORT_MAX:
            raise BuildError(f"short name {short!r} must have 1 to {SHORT_MAX} characters (it names the template's "
                             "column on a phone)", path, record.key_lines.get("short", record.key_lines["id"]))
        templates.append(Template(template_id, str(record["text"]), ensemble, short))
    return templates


PHOTO_FIELDS = ["id", "file", "title", "alt", "credit", "licence", "source"]


def read_photos(path):
    photos = []
    for photo_id, record in read_records(path, "photo record", PHOTO_FIELDS):
        file = path.parent / str(record["file"])
        try:
            data = file.read_bytes()
        except OSError as error:
            raise BuildError(f"photo file {record['file']!r} cannot be read ({error.strerror})",
                             path, record.key_lines["file"]) from None
        try:
            image = open_photo(file)
        except BuildError as error:
            raise BuildError(f"photo file {record['file']!r} (id {photo_id!r}): {error.message}",
                             path, record.key_lines["file"]) from None
        fields = {k: str(record[k]).strip() for k in ("title", "alt", "credit", "licence", "source")}
        photos.append(Photo(photo_id, file, sha256=hashlib.sha256(data).hexdigest(), image=image, **fields))
    return photos


def read_default_labels(path, vocabulary):
    data = read_yaml(path)
    check_keys(data, path, ["default"], what="labels file")
    labels = data["default"]
    if not isinstance(labels, Sequence) or not labels:
        raise BuildError("the default label list is empty; list at least one label", path, data.key_lines["default"])
    known = {v.lower(): v for v in vocabulary}
    seen = {}  # lowercased label -> (as written, line)
    out = []
    for label, line in zip(labels, labels.item_lines):
        label = " ".join(str(label).split())
        if label.lower() not in known:
            hint = did_you_mean(label.lower(), known, "'{}'")
            raise BuildError(f"label {label!r} is not in content/vocabulary.txt; add it there or pick another{hint}",
                             path, line)
        if label.lower() in seen:
            first, first_line = seen[label.lower()]
            case = " (labels are compared ignoring case)" if first != label else ""
            raise BuildError(f"duplicate label {label!r}: {first!r} is already on line {first_line}{case}", path, line)
        seen[label.lower()] = (label, line)
        out.append(known[label.lower()])
    return out


FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
FRONT_MATTER_REQUIRED = ["id", "title"]
FRONT_MATTER_OPTIONAL = ["kicker", "draft"]


def read_sections(folder, drafts=False):
    files = sorted(folder.glob("*.md"))
    if not files:
        raise BuildError("no Markdown sections found (expected content/sections/*.md)", folder)
    sections, ids = [], {}  # section id -> the file that has it
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise BuildError(f"cannot read: {error}", path) from None
        match = FRONT_MATTER_RE.match(text)
        if not match:
            if text.startswith("---\n"):
                raise BuildError("the front matter that starts on line 1 is never closed: add a line '---' "
                                 "after its last key", path, 1)
            raise BuildError("missing front matter: the file must start with a '---' line, YAML, and '---'", path, 1)
        meta = parse_yaml(match.group(1), path, first_line=2)
        check_keys(meta, path, FRONT_MATTER_REQUIRED, FRONT_MATTER_OPTIONAL, what="front matter")
        section_id = str(meta["id"])
        if not ID_RE.match(section_id):
            raise BuildError(f"section id {section_id!r} must be lowercase letters, digits and -",
                             path, meta.key_lines["id"])
        if section_id in ids:
            raise BuildError(f"section id {section_id!r} is already the id of {ids[section_id]}; ids must be unique",
                             path, meta.key_lines["id"])
        if meta.get("draft", False) not in (True, False):
            raise BuildError(f"draft must be true or false, not {meta['draft']!r}", path, meta.key_lines["draft"])
        ids[section_id] = path
        body_line = match.group(0).count("\n") + 1
        section = Section(section_id, str(meta["title"]), str(meta.get("kicker", "")), text[match.end():], path,
                          body_line, draft=meta.get("draft", False))
        if drafts or not section.draft:
            sections.append(section)
    if not sections:
        raise BuildError("every section is a draft (draft: true); `make build` leaves drafts out", folder)
    return sections
