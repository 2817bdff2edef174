"""settings.yaml: the site's settings, its limits (docs/authoring.md, "Limits"), live mode's settings and the
temperature grid, read and checked with errors naming the file and line (content.read_content calls it)."""
import math
import re
from dataclasses import dataclass

import numpy as np

from .errors import BuildError
from .markup import RAW_HTML_MODES
from .references import BIB_LIMIT_DEFAULTS
from .textvalue import text_value
from .yamlfile import Mapping, check_keys, read_yaml

TRAINED_TAU = 0.01  # CLIP's learned temperature: 1 / exp(ln 100); the slider must be able to show it

SETTINGS_REQUIRED = ["title", "description", "default_photo", "default_template", "temperatures"]
# site_url: absolute preview-card URLs; live: live mode (explainer/live/); limits: see docs/authoring.md;
# cite: "Cite this page" (key, author); models: the models the site carries, the default first (build.py's
# --model, given once or more, overrides it; an entry {id, revision, sha256} pins it)
SETTINGS_OPTIONAL = ["site_url", "live", "limits", "cite", "models"]
PAGE_LABEL_LENGTH = 64  # the page's own limit on a label; the page reads it from the snapshot (ui/snapshot.js)
LIMIT_DEFAULTS = dict(label_length=PAGE_LABEL_LENGTH, vocabulary_size=20_000, text_length=500,
                      section_length=50_000, link_labels=50, raw_html="strict")
LIMIT_CEILINGS = dict(label_length=PAGE_LABEL_LENGTH, vocabulary_size=100_000, text_length=5_000,
                      section_length=1_000_000, link_labels=1_000)
# references.bib (explainer/references.py): its bytes, entries, names per author field, and the longest value
LIMIT_DEFAULTS.update(BIB_LIMIT_DEFAULTS)
LIMIT_CEILINGS.update(references_bytes=5_000_000, references_entries=10_000, reference_authors=1_000,
                      reference_field_length=100_000)


def read_settings(path):
    settings = read_yaml(path)
    check_keys(settings, path, SETTINGS_REQUIRED, SETTINGS_OPTIONAL, what="settings")
    if settings.get("site_url") is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", str(settings["site_url"])):
        raise BuildError(f"site_url {settings['site_url']!r} must be an absolute http(s) URL such as "
                         "https://example.org/clip/", path, settings.key_lines["site_url"])
    check_keys(settings["temperatures"], path, ["tau_min", "tau_max", "steps_per_decade"], what="temperatures")
    if settings.get("cite") is not None:
        check_keys(settings["cite"], path, [], ["key", "author"], what="cite settings")
        check_cite(settings["cite"], path)
    for key in ("title", "site_url"):  # both are written into "Cite this page"'s BibTeX too
        if settings.get(key) is not None:
            check_bibtex_value(settings[key], key, path, settings.key_lines[key])
    settings["live"] = read_live_settings(settings.get("live"), path, settings.key_lines.get("live"))
    models, models_line = settings.get("models"), settings.key_lines.get("models")  # the entries as written
    settings["models"], settings["model_keys"], settings["model_pins"] = read_models(models, path, models_line)
    settings["limits"] = read_limits(settings.get("limits"), path, settings.key_lines.get("limits"))
    for key in ("title", "description", "default_photo", "default_template"):
        if not (key.startswith("default_") and type(settings[key]) is int):  # an id may be a number, as in a record
            text_value(settings[key], key, path, settings.key_lines[key])
    for key in ("title", "description"):
        check_length(str(settings[key]), settings["limits"]["text_length"], key, path, settings.key_lines[key])
    return settings


CITE_KEY_RE = re.compile(r"[A-Za-z0-9_:.+/-]{1,64}")  # a BibTeX key: no braces, commas, quotes or spaces


def check_cite(cite, path):
    """settings.yaml's `cite:` block goes into a BibTeX entry: its key must be a plain key (the whole of it:
    a `}` or a line break would let it end the entry and start others), its author a value whose braces pair."""
    if "key" in cite and not (isinstance(cite["key"], str) and CITE_KEY_RE.fullmatch(cite["key"])):
        raise BuildError(f"cite: key must be 1 to 64 letters, digits or _:.+/- (a BibTeX key), not {cite['key']!r}",
                         path, cite.key_lines["key"])
    if "author" in cite:
        check_bibtex_value(cite["author"], "cite: author", path, cite.key_lines["author"])


def check_bibtex_value(value, what, path, line):
    """A value written between braces in a BibTeX entry: one line, every `}` closing a `{`."""
    text, depth = str(value), 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0 or any(char in text for char in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"):
        raise BuildError(f"{what} goes into the page's BibTeX citation: it must be one line whose braces {{ }} pair, "
                         f"not {text!r}", path, line)


def read_models(models, path, line):
    """settings.yaml's optional `models:` list (hub ids, save_pretrained folders or stand-ins, the default first):
    a list of distinct entries, each a name or a mapping (read_model_entry). Returns (names, {name: its keys},
    {name: ModelPin} of the entries written as mappings), or (None, {}, {}) when absent (the build then uses
    --model or its default)."""
    if models is None:
        return None, {}, {}
    if not isinstance(models, list) or not models:
        raise BuildError(f"models must be a list of model names (the default first), not {models!r}", path, line)
    names, keys, pins = [], {}, {}
    for i, entry in enumerate(models):
        here = models.item_lines[i] if getattr(models, "item_lines", None) else line
        name, keys_given, pin = read_model_entry(entry, path, here, default=i == 0)
        if name in names:
            raise BuildError(f"models: {name!r} is listed twice", path, here)
        names.append(name)
        keys[name] = keys_given
        if pin is not None:
            pins[name] = pin
    return names, keys, pins


# a `models:` mapping's keys besides `id`: vocabulary: how many of content/vocabulary.txt's labels (its first N,
# and every label the page shows by default: modelset.limited_vocabulary) a further model carries; revision and
# sha256: the weights' pins (ModelPin; model.check_pin)
MODEL_ENTRY_KEYS = ("vocabulary", "revision", "sha256")


@dataclass(frozen=True)
class ModelPin:
    """What settings.yaml pins of one model (docs/authoring.md, "Pinning a model"): the Hub commit to download
    (None: the newest) and the sha256 its weight file must have (None: unchecked); path and lines: where each
    was written, for the errors (revision_line, sha256_line)."""
    revision: str | None
    sha256: str | None
    path: object
    revision_line: int | None
    sha256_line: int | None


PIN_FORMS = dict(revision=(re.compile(r"[0-9a-f]{40}"), "a Hub commit: 40 hexadecimal digits"),
                 sha256=(re.compile(r"[0-9a-f]{64}"), "64 hexadecimal digits"))


def read_model_entry(entry, path, line, default):
    """One `models:` entry: a name ("openai/clip-vit-base-patch16"), or a mapping with the name under `id` and
    per-model keys (MODEL_ENTRY_KEYS: one more key is one more name there and its check below). Returns (name,
    {key: value} of the keys given, its ModelPin or None for a plain name). default: the first entry, the page's
    own model."""
    lines, given = {}, {}
    if isinstance(entry, Mapping):
        check_keys(entry, path, ["id"], list(MODEL_ENTRY_KEYS), what="models entry")
        lines, given = entry.key_lines, {key: entry[key] for key in MODEL_ENTRY_KEYS if key in entry}
        entry = entry["id"]
    if not isinstance(entry, str) or not entry.strip():
        raise BuildError(f"models: each entry must be a hub id, a folder or a stand-in's name, not {entry!r}",
                         path, lines.get("id", line))
    if "vocabulary" in given:
        limit, ceiling = given["vocabulary"], LIMIT_CEILINGS["vocabulary_size"]
        if default:  # the page's own model: every label a reader may add has its numbers
            raise BuildError(f"models: {entry!r} is the default model (the first), which always carries the whole "
                             "vocabulary; give `vocabulary:` to a further model only", path, lines["vocabulary"])
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= ceiling:
            raise BuildError(f"models: {entry!r}: vocabulary must be a whole number from 1 to {ceiling:,} (it "
                             f"carries the first N labels of content/vocabulary.txt), not {limit!r}",
                             path, lines["vocabulary"])
    for key, (form, what) in PIN_FORMS.items():  # in lower case, as the Hub and sha256sum write them
        value = given.get(key)
        if value is not None and not (isinstance(value, str) and form.fullmatch(value)):
            raise BuildError(f"models: {key} of {entry!r} must be {what} in lower case, not {value!r}",
                             path, lines.get(key, line))
    if not lines:
        return entry, given, None
    return entry, given, ModelPin(given.get("revision"), given.get("sha256"), path,
                                  lines.get("revision", line), lines.get("sha256", line))


def read_limits(limits, path, line):
    """settings.yaml's optional `limits:` block (docs/authoring.md, "Limits"), with its defaults filled in."""
    if limits is None:
        return dict(LIMIT_DEFAULTS)
    check_keys(limits, path, [], list(LIMIT_DEFAULTS), what="limits")
    out = {**LIMIT_DEFAULTS, **limits}
    if out["raw_html"] not in RAW_HTML_MODES:
        raise BuildError(f"limits: raw_html must be one of {', '.join(RAW_HTML_MODES)}, not {out['raw_html']!r}",
                         path, limits.key_lines.get("raw_html", line))
    for key, ceiling in LIMIT_CEILINGS.items():
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ceiling:
            why = " (the page's own limit on a label)" if key == "label_length" else ""
            raise BuildError(f"limits: {key} must be a whole number from 1 to {ceiling:,}{why}, not {value!r}",
                             path, limits.key_lines.get(key, line))
    return out


def check_length(text, limit, what, path, line):
    if len(text) > limit:
        raise BuildError(f"{what} has {len(text):,} characters, over the limit of {limit:,} "
                         "(settings.yaml, limits)", path, line)


LIVE_DEFAULTS = dict(enabled=True, max_cosine_error=0.005, min_top1_agreement=1.0, near_tie=0.001)


def read_live_settings(live, path, line):
    """settings.yaml's optional `live:` block (see explainer/live/), with its defaults filled in."""
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


# The temperature grid's bounds (docs/authoring.md, "Limits"): CLIP's 0.01 must fit, the page's sums stay
# finite in float32 (1 / tau_min at most 1e4) and the grid small (data/grid.json holds every step's numbers).
TAU_RANGE = (1e-4, 100.0)
MAX_STEPS_PER_DECADE = 100
MAX_GRID_STEPS = 500


def temperature_grid(spec, path):
    """tau_min..tau_max, steps_per_decade points per decade; returns (grid, index of 0.01). Every number
    is checked (a real, finite number in range; a whole number of steps) and refused with its line."""
    lines = getattr(spec, "key_lines", None) or {}
    lo_bound, hi_bound = TAU_RANGE
    for key in ("tau_min", "tau_max"):
        value = spec[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo_bound <= value <= hi_bound:
            raise BuildError(f"temperatures: {key} must be a number from {lo_bound:g} to {hi_bound:g}, not {value!r}",
                             path, lines.get(key, spec.line))
    steps = spec["steps_per_decade"]
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS_PER_DECADE:
        raise BuildError(f"temperatures: steps_per_decade must be a whole number from 1 to {MAX_STEPS_PER_DECADE}, "
                         f"not {steps!r}", path, lines.get("steps_per_decade", spec.line))
    lo, hi = float(spec["tau_min"]), float(spec["tau_max"])
    if not lo < hi:
        raise BuildError(f"temperatures need tau_min < tau_max, not {lo:g} and {hi:g}", path, spec.line)
    n = round(math.log10(hi / lo) * steps)
    if n + 1 > MAX_GRID_STEPS:
        raise BuildError(f"the temperature grid would have {n + 1:,} steps, over the limit of {MAX_GRID_STEPS}: "
                         "lower steps_per_decade or narrow tau_min..tau_max", path, spec.line)
    exact = 10 ** (math.log10(lo) + np.arange(n + 1) / steps)  # (n_tau,)
    grid = np.array([float(f"{t:.6g}") for t in exact])  # 6 digits: the same values in Python, JSON and JS
    index = int(np.argmin(np.abs(np.log10(grid / TRAINED_TAU))))
    if abs(math.log10(grid[index] / TRAINED_TAU)) > 1e-9:
        raise BuildError(f"the grid must contain CLIP's trained temperature {TRAINED_TAU}; choose tau_min "
                         "and steps_per_decade so that it falls on a step", path, spec.line)
    grid[index] = TRAINED_TAU
    return grid, index
