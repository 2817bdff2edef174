"""Stage 1, read: content/ and photos/ in, one validated Content out. Errors name file and line."""
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import BuildError
from .markup import did_you_mean, html_problems, markdown_work_problem
from .photos import PHOTO_SUFFIXES, open_photo
from .references import read_references
from .settings import LIMIT_DEFAULTS, check_length, read_settings, temperature_grid
from .textvalue import check_added_labels, check_page, normal, text_value
from .yamlfile import Mapping, Sequence, check_keys, parse_yaml, read_text, read_yaml

PLACEHOLDER = "{label}"
ID_RE = re.compile(r"\A[a-z0-9][a-z0-9-]*\Z")  # \Z: "$" would let "coins\n" through


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
    page: str = ""       # the deep-dive page it lands on (<page>.html); "": the core article, index.html


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
    token_example: str = None  # labels.yaml's token_example: a vocabulary label the tokens figure shows split
    figures: dict = None    # {widget: Figure} from content/figures.yaml: a figure's short name and caption
    content_dir: Path = None


def read_content(content_dir, photos_dir, drafts=False):
    """Read and check every input file; raises BuildError naming the first problem found.
    drafts: keep the sections marked `draft: true` (make serve) instead of leaving them out."""
    content_dir, photos_dir = Path(content_dir), Path(photos_dir)
    check_folder(content_dir)  # photos/ is checked record by record (photo_file), with the record's line
    settings = read_settings(content_dir / "settings.yaml")
    limits = settings["limits"]
    vocabulary = read_lines(content_dir / "vocabulary.txt", what="vocabulary label",
                            max_length=limits["label_length"], max_count=limits["vocabulary_size"])
    ensemble_templates = read_lines(content_dir / "ensemble-templates.txt", what="template",
                                    check=check_template_text, max_length=limits["text_length"])
    templates = read_templates(content_dir / "templates.yaml", limits)
    photos = read_photos(photos_dir / "photos.yaml", limits)
    default_labels = read_default_labels(content_dir / "labels.yaml", set(vocabulary))
    token_example = read_token_example(content_dir / "labels.yaml", vocabulary)
    sections = read_sections(content_dir / "sections", drafts, limits)
    html_warnings = [warning for section in sections for warning in section_html_warnings(section, limits)]
    check_added_labels(sections, vocabulary)
    settings_path = content_dir / "settings.yaml"
    for key, ids, where in (("default_photo", [p.id for p in photos], "photos/photos.yaml"),
                            ("default_template", [t.id for t in templates], "content/templates.yaml")):
        if settings[key] not in ids:
            hint = did_you_mean(str(settings[key]), ids, "'{}'")
            raise BuildError(f"{key} {settings[key]!r} is not an id in {where}{hint} (ids: {', '.join(ids)})",
                             settings_path, settings.key_lines[key])
    temperatures, default_tau_index = temperature_grid(settings["temperatures"], settings_path)
    return Content(settings, photos, templates, ensemble_templates, default_labels, vocabulary, sections,
                   temperatures, default_tau_index, warnings=unrecorded_images(photos_dir, photos) + html_warnings,
                   references=read_references(content_dir / "references.bib", limits),
                   figures=read_figures(content_dir / "figures.yaml"), content_dir=content_dir,
                   token_example=token_example)


def check_folder(folder):
    """Refuse, by name, a symlink in folder that leads out of it, and anything that is neither a file nor a
    folder (a FIFO, a socket, a device): the build publishes only what the repository holds."""
    root = Path(folder).resolve()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root) or not (target.is_file() or target.is_dir()):
                raise BuildError(f"a symlink to {os.readlink(path)!r}, outside {Path(folder).name}/: the build "
                                 "publishes only files of the repository; copy the file in instead", path)
        elif not (path.is_file() or path.is_dir()):
            raise BuildError("not a regular file (a FIFO, a socket or a device); remove it", path)



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
        for key in ("name", "caption"):
            if key in record:
                text_value(record[key], f"figure {key}", path, record.key_lines[key])
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


def read_lines(path, what, check=None, max_length=None, max_count=None):
    """A text file of one entry per line; blank lines and # comments skipped; entries NFC-normalised;
    duplicates (ignoring case) refused naming both lines; max_length characters an entry, max_count entries."""
    raw = read_text(path, None if max_length is None or max_count is None else (max_length + 64) * 4 * max_count)
    entries, seen = [], {}
    for line_no, line in enumerate(raw.split("\n"), 1):  # not splitlines(): U+2028 is a character to refuse
        if max_length is not None and len(line) > 4 * max_length + 64:  # before any work on a huge line
            raise BuildError(f"a {what} of {len(line):,} characters, over the limit of {max_length}", path, line_no)
        entry = normal(line)
        if not entry or entry.startswith("#"):
            continue
        text_value(line, what, path, line_no, label=what.endswith("label"))
        if max_length is not None:
            check_length(entry, max_length, f"{what} {entry[:40]!r}{'…' if len(entry) > 40 else ''}", path, line_no)
        if entry.lower() in seen:
            first, first_line = seen[entry.lower()]
            same = "" if first == entry else f" {first!r},"
            raise BuildError(f"duplicate {what} {entry!r}: the same as line {first_line}{same} ignoring case",
                             path, line_no)
        if max_count is not None and len(entries) >= max_count:
            raise BuildError(f"more than {max_count:,} entries, the limit (settings.yaml, limits: vocabulary_size)",
                             path, line_no)
        if check:
            check(entry, path, line_no)
        seen[entry.lower()] = (entry, line_no)
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
        if type(record["id"]) is not int:  # `id: 2024` is a number to YAML, and a fine id
            text_value(record["id"], f"{what} id", path, record.key_lines["id"])
        record_id = str(record["id"])
        if not ID_RE.match(record_id) or record_id in ids:
            raise BuildError(f"{what} id {record_id!r} must be unique, lowercase letters, digits and -",
                             path, record.key_lines["id"])
        ids.add(record_id)
        yield record_id, record


SHORT_MAX = 12  # characters in a template's short name: two columns of a phone's template heatmap


def read_templates(path, limits=LIMIT_DEFAULTS):
    templates = []
    for template_id, record in read_records(path, "template", ["id", "text"], ["ensemble", "short"]):
        ensemble = record.get("ensemble", False) is True
        text_value(record["text"], "template text", path, record.key_lines["text"])
        if "short" in record:
            text_value(record["short"], "short name", path, record.key_lines["short"])
        check_length(str(record["text"]), limits["text_length"], "template text", path, record.key_lines["text"])
        if not ensemble:
            check_template_text(record["text"], path, record.key_lines["text"])
        short = " ".join(str(record.get("short", template_id)).split())
        if not short or len(short) > SHORT_MAX:
            raise BuildError(f"short name {short!r} must have 1 to {SHORT_MAX} characters (it names the template's "
                             "column on a phone)", path, record.key_lines.get("short", record.key_lines["id"]))
        templates.append(Template(template_id, str(record["text"]), ensemble, short))
    return templates


PHOTO_FIELDS = ["id", "file", "title", "alt", "credit", "licence", "source"]


MAX_PHOTO_BYTES = 50_000_000  # a photo file is read whole (its sha256 keys the cache) before it is decoded
URL_RE = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.I)


def read_photos(path, limits=LIMIT_DEFAULTS):
    photos = []
    for photo_id, record in read_records(path, "photo record", PHOTO_FIELDS):
        text_value(record["file"], "file", path, record.key_lines["file"])
        for key in ("title", "alt", "credit", "licence", "source"):
            text_value(record[key], key, path, record.key_lines[key])
            check_length(str(record[key]), limits["text_length"], key, path, record.key_lines[key])
        if not URL_RE.match(str(record["source"]).strip()):
            raise BuildError(f"source {str(record['source'])[:80]!r} must be an http(s) address such as "
                             "https://example.org/photo (the page links to it)", path, record.key_lines["source"])
        file = photo_file(path, record, photo_id)
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


def photo_file(path, record, photo_id):
    """The photo's file, resolved (symlinks followed): refused unless it is a regular file inside photos/."""
    folder = path.parent.resolve()
    file = (path.parent / str(record["file"])).resolve()
    where = f"photo file {record['file']!r} (id {photo_id!r})"
    if not file.is_relative_to(folder):
        raise BuildError(f"{where} is outside {path.parent}/; put the image in that folder", path,
                         record.key_lines["file"])
    try:
        mode = file.stat().st_mode
    except OSError as error:
        raise BuildError(f"photo file {record['file']!r} cannot be read ({error.strerror})",
                         path, record.key_lines["file"]) from None
    if not stat.S_ISREG(mode):
        raise BuildError(f"{where} is not a regular file (a folder, a FIFO or a device)", path,
                         record.key_lines["file"])
    size = file.stat().st_size
    if size > MAX_PHOTO_BYTES:
        raise BuildError(f"{where} has {size:,} bytes, over the limit of {MAX_PHOTO_BYTES:,}; save a smaller copy",
                         path, record.key_lines["file"])
    return file


def read_default_labels(path, vocabulary):
    data = read_yaml(path)
    check_keys(data, path, ["default"], ["token_example"], what="labels file")
    labels = data["default"]
    if not isinstance(labels, Sequence) or not labels:
        raise BuildError("the default label list is empty; list at least one label", path, data.key_lines["default"])
    known = {v.lower(): v for v in vocabulary}
    seen = {}  # lowercased label -> (as written, line)
    out = []
    for label, line in zip(labels, labels.item_lines, strict=True):
        label = normal(text_value(label, "label", path, line, label=True))
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


def read_token_example(path, vocabulary):
    """labels.yaml's optional `token_example`: a vocabulary label the tokens figure shows split into its pieces
    (so a reader sees a rare word split even when every default label is one token); None when absent."""
    data = read_yaml(path)
    if "token_example" not in data:
        return None
    label = normal(str(data["token_example"]))
    known = {v.lower(): v for v in vocabulary}
    if label.lower() not in known:
        hint = did_you_mean(label.lower(), known, "'{}'")
        raise BuildError(f"token_example {label!r} is not in content/vocabulary.txt; add it there or pick another"
                         f"{hint}", path, data.key_lines["token_example"])
    return known[label.lower()]


FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
FRONT_MATTER_REQUIRED, FRONT_MATTER_OPTIONAL = ["id", "title"], ["kicker", "draft", "page"]


def read_front_matter(text, path, limits):
    """A section's front matter (starting on the file's line 2), its keys and values checked."""
    meta = parse_yaml(text, path, first_line=2)
    check_keys(meta, path, FRONT_MATTER_REQUIRED, FRONT_MATTER_OPTIONAL, what="front matter")
    for key in ("id", "title", "kicker"):
        if key in meta and not (key == "id" and type(meta[key]) is int):
            text_value(meta[key], key, path, meta.key_lines[key])
    for key in ("title", "kicker"):
        if key in meta:
            check_length(str(meta[key]), limits["text_length"], key, path, meta.key_lines[key])
    if not ID_RE.match(str(meta["id"])):
        raise BuildError(f"section id {str(meta['id'])!r} must be lowercase letters, digits and -",
                         path, meta.key_lines["id"])
    check_page(meta.get("page"), path, meta.key_lines.get("page"))  # None: no `page:`, the core article
    if meta.get("draft", False) not in (True, False):
        raise BuildError(f"draft must be true or false, not {meta['draft']!r}", path, meta.key_lines["draft"])
    return meta


def read_sections(folder, drafts=False, limits=LIMIT_DEFAULTS):
    files = sorted(folder.glob("*.md"))
    if not files:
        raise BuildError("no Markdown sections found (expected content/sections/*.md)", folder)
    sections, ids = [], {}  # section id -> the file that has it
    for path in files:
        text = read_text(path, limits["section_length"] * 4)  # 4: the most bytes of one UTF-8 character
        check_length(text, limits["section_length"], "the section", path, 1)
        match = FRONT_MATTER_RE.match(text)
        if not match:
            if text.startswith("---\n"):
                raise BuildError("the front matter that starts on line 1 is never closed: add a line '---' "
                                 "after its last key", path, 1)
            raise BuildError("missing front matter: the file must start with a '---' line, YAML, and '---'", path, 1)
        meta = read_front_matter(match.group(1), path, limits)
        section_id = str(meta["id"])
        if section_id in ids:
            raise BuildError(f"section id {section_id!r} is already the id of {ids[section_id]}; ids must be unique",
                             path, meta.key_lines["id"])
        ids[section_id] = path
        body_line = match.group(0).count("\n") + 1
        section = Section(section_id, str(meta["title"]), str(meta.get("kicker", "")), text[match.end():], path,
                          body_line, draft=meta.get("draft", False), page=meta.get("page", ""))
        if drafts or not section.draft:
            sections.append(section)
    if not sections:
        raise BuildError("every section is a draft (draft: true); `make build` leaves drafts out", folder)
    return sections


def section_html_warnings(section, limits):
    """What the sanitiser would remove from the section (explainer/markup.py): refused with its line
    (limits: raw_html: strict, the default), or a warning each (raw_html: strip; it is removed)."""
    work = markdown_work_problem(section.body)  # before Markdown first runs on it (just below)
    if work:
        raise BuildError(work[1], section.path, section.body_line + work[0] - 1)
    problems = html_problems(section.body)
    if problems and limits["raw_html"] == "strict":
        line, problem = problems[0]
        raise BuildError(f"{problem}; the page may hold only safe HTML (docs/authoring.md, \"Raw HTML\"), "
                         "or set limits: raw_html: strip in settings.yaml to remove it with a warning",
                         section.path, section.body_line + line - 1)
    return [f"{section.path}:{section.body_line + line - 1}: {problem}; removed (raw_html: strip)"
            for line, problem in problems]
