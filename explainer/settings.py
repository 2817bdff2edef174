"""settings.yaml: the site's settings, its limits (docs/authoring.md, "Limits"), live mode's settings and the
temperature grid, read and checked with errors naming the file and line (content.read_content calls it)."""
import math
import re

import numpy as np

from .errors import BuildError
from .markup import RAW_HTML_MODES
from .textvalue import text_value
from .yamlfile import check_keys, read_yaml

TRAINED_TAU = 0.01  # CLIP's learned temperature: 1 / exp(ln 100); the slider must be able to show it

SETTINGS_REQUIRED = ["title", "description", "default_photo", "default_template", "temperatures"]
# site_url: absolute preview-card URLs; live: live mode (explainer/live.py); limits: see docs/authoring.md;
# cite: "Cite this page" (key, author)
SETTINGS_OPTIONAL = ["site_url", "live", "limits", "cite"]
PAGE_LABEL_LENGTH = 64  # the page's own limit on a label; the page reads it from the snapshot (ui/snapshot.js)
LIMIT_DEFAULTS = dict(label_length=PAGE_LABEL_LENGTH, vocabulary_size=20_000, text_length=500,
                      section_length=50_000, link_labels=50, raw_html="strict")
LIMIT_CEILINGS = dict(label_length=PAGE_LABEL_LENGTH, vocabulary_size=100_000, text_length=5_000,
                      section_length=1_000_000, link_labels=1_000)


def read_settings(path):
    settings = read_yaml(path)
    check_keys(settings, path, SETTINGS_REQUIRED, SETTINGS_OPTIONAL, what="settings")
    if settings.get("site_url") is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", str(settings["site_url"])):
        raise BuildError(f"site_url {settings['site_url']!r} must be an absolute http(s) URL such as "
                         "https://example.org/clip/", path, settings.key_lines["site_url"])
    check_keys(settings["temperatures"], path, ["tau_min", "tau_max", "steps_per_decade"], what="temperatures")
    if settings.get("cite") is not None:
        check_keys(settings["cite"], path, [], ["key", "author"], what="cite settings")
    settings["live"] = read_live_settings(settings.get("live"), path, settings.key_lines.get("live"))
    settings["limits"] = read_limits(settings.get("limits"), path, settings.key_lines.get("limits"))
    for key in ("title", "description", "default_photo", "default_template"):
        if not (key.startswith("default_") and type(settings[key]) is int):  # an id may be a number, as in a record
            text_value(settings[key], key, path, settings.key_lines[key])
    for key in ("title", "description"):
        check_length(str(settings[key]), settings["limits"]["text_length"], key, path, settings.key_lines[key])
    return settings


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
