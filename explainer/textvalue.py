"""The checks every authored text goes through, and the form a label is compared in (content.py, settings.py)."""
import re
import unicodedata

from .errors import BuildError


def normal(text):
    """A label or line as the build compares, stores and hashes it: spaces collapsed, Unicode NFC ("café"
    typed as e + combining accent is the same label as with é)."""
    return unicodedata.normalize("NFC", " ".join(str(text).split()))


# Characters an authored text may not hold: controls and line separators (U+2028 ends a line in a chart's
# Vega expression), and, in a label, the invisible ones (zero-width, bidi controls) that make "c\u200bat" a
# twin of "cat" or reverse a row.
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
INVISIBLE_RE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

# Object.prototype's own members (reservedLabel in templates/assets/state/store.js refuses them in the browser)
OBJECT_MEMBERS = frozenset({"__proto__", "__defineGetter__", "__defineSetter__", "__lookupGetter__",
                            "__lookupSetter__", "constructor", "hasOwnProperty", "isPrototypeOf",
                            "propertyIsEnumerable", "toLocaleString", "toString", "valueOf"})


def text_value(value, what, path, line, label=False):
    """value, checked to be text (`title: 2024` is a number to YAML) with no control, line separator or, for a
    label, invisible character; else BuildError with file and line."""
    if not isinstance(value, str):
        kind = {bool: "true/false", int: "a number", float: "a number", type(None): "empty"}.get(type(value), "a list "
                                                                                               "or a mapping")
        raise BuildError(f"{what} must be text, not {kind} ({value!r}); put it in quotes: \"{value}\"", path, line)
    if label and normal(value) in OBJECT_MEMBERS:
        raise BuildError(f"the label {normal(value)!r} is the name of a JavaScript object's own member: Vega keys a "
                         "chart's values on plain objects, where it is already taken, and the charts break; "
                         "choose another label", path, line)
    bad = CONTROL_RE.search(value) or (label and INVISIBLE_RE.search(value))
    if bad:
        char = bad.group()
        name = unicodedata.name(char, "a control character")
        raise BuildError(f"{what} {value.strip()[:40]!r} holds the invisible character U+{ord(char):04X} ({name}) at "
                         f"position {bad.start() + 1}; remove it", path, line)
    return value


ADD_LABELS_RE = re.compile(r"""data-add-labels\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s}>]+))""")


def check_added_labels(sections, vocabulary):
    """A link's data-add-labels ("kitten|tabby cat": labels a click adds to the reader's) names labels of the
    vocabulary, each a clean label; else BuildError with the section's file and line."""
    known = {label.lower() for label in vocabulary}
    for section in sections:
        for match in ADD_LABELS_RE.finditer(section.body):
            line = section.body_line + section.body.count("\n", 0, match.start())
            for label in next(g for g in match.groups() if g is not None).split("|"):
                text_value(label, "a label in data-add-labels", section.path, line, label=True)
                if normal(label).lower() not in known:
                    raise BuildError(f"data-add-labels names {normal(label)!r}, which is not in "
                                     "content/vocabulary.txt: a click could not add it", section.path, line)


def added_labels(sections):
    """Every label the sections' links add (data-add-labels), as the build compares them (normal)."""
    return [normal(label) for section in sections for match in ADD_LABELS_RE.finditer(section.body)
            for label in next(g for g in match.groups() if g is not None).split("|")]


PAGE_RE = re.compile(r"\A(?!index\Z)[a-z][a-z0-9-]{0,39}\Z")  # <page>.html; index.html is the core article's


def check_page(value, path, line):
    """A section's `page:` (the deep-dive page it lands on; None: none given): a lowercase slug, else BuildError."""
    if value is not None and not (isinstance(value, str) and PAGE_RE.match(value)):
        raise BuildError(f"page {value!r} must be a slug (a-z, digits, -; a letter first; at most 40; not index):"
                         " the section lands in <page>.html (without `page:`, in the core article)", path, line)
