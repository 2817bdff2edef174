"""What a section's Markdown may hold beyond Markdown and maths, checked strictly (docs/authoring.md):

- a widget line, `::: name`: the whole line, one known widget name (templates/widgets/name.html);
- a placeholder, `{{ photos.count }}`: a number from the content or the model, substituted at build time.

Every mistake raises MarkupError in plain words, with a "did you mean" where a near name exists; the
caller adds the file and line.
"""
import difflib
import re

WIDGET_LINE_RE = re.compile(r"^ {0,3}:::")          # 4 spaces of indent would make it a code block
WIDGET_NAME_RE = re.compile(r"^ {0,3}::: ([a-z0-9-]+)$")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
FIGURE_REF_RE = re.compile(r"\{fig:([^{}\s]*)\}")


class MarkupError(ValueError):
    pass


def did_you_mean(name, known, show=None):
    """'; did you mean X?' for the closest known name, or '' when none is close."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(name.lower(), list(known), n=1, cutoff=0.6)
    return f"; did you mean {(show or '{}').format(close[0])}?" if close else ""


def widget_name(line, known):
    """The widget a `:::` line places, or None for any other line. known: the widget names."""
    if not WIDGET_LINE_RE.match(line):
        return None
    match = WIDGET_NAME_RE.match(line.rstrip())
    if match and match.group(1) in known:
        return match.group(1)
    words = line.strip()[3:].split()
    listing = f" (widgets: {', '.join(sorted(known))})"
    if not words:
        raise MarkupError(f"a widget line needs a name: '::: name'{listing}")
    if len(words) > 1:
        guess = next((w for w in words if w in known), None)
        hint = f"; did you mean '::: {guess}'?" if guess else did_you_mean(" ".join(words), known, "'::: {}'")
        raise MarkupError(f"a widget line is '::: name' with one name and nothing else, found "
                          f"{line.strip()!r}{hint}{listing}")
    hint = did_you_mean(words[0], known, "'{}'")
    case = " (widget names are lowercase)" if words[0].lower() in known else ""
    raise MarkupError(f"unknown widget {words[0]!r}{case}{hint}{listing}")


def placeholder_values(context):
    """The names a section may write as {{ name }}, from the page context: counts of the content, the
    checkpoint's sizes and the temperature grid's ends. Whole numbers over 999 get a thousands separator
    (6,000); the temperatures are written as %g (0.001)."""
    model, content = context["model"], context
    patches_per_side = model["image_size"] // model["patch_size"]
    values = {
        "photos.count": len(content["photos"]),
        "labels.count": len(content["labels"]),
        "templates.count": len(content["templates"]),
        "ensemble.count": content["ensemble_size"],
        "vocabulary.count": content["vocabulary_count"],
        "model.dim": model["dim"],
        "model.context_length": model["context_length"],
        "model.image_size": model["image_size"],
        "model.patch_size": model["patch_size"],
        "model.patches_per_side": patches_per_side,
        "model.patches": patches_per_side ** 2,
        "model.image_tokens": patches_per_side ** 2 + 1,  # the patches and the class token
        "tau.min": context["temperatures"][0],
        "tau.max": context["temperatures"][-1],
    }
    return {name: f"{value:,}" if isinstance(value, int) else f"{value:g}" for name, value in values.items()}


def substitute_placeholders(line, values):
    """Each {{ name }} in line replaced by its value; an unknown name raises MarkupError."""
    def value(match):
        name = match.group(1)
        if name not in values:
            raise MarkupError(f"unknown placeholder {match.group(0)!r}{did_you_mean(name, values, '{{{{ {} }}}}')}"
                              f" (placeholders: {', '.join(sorted(values))})")
        return values[name]
    return PLACEHOLDER_RE.sub(value, line)


def figure_numbers(sections, known):
    """{widget: its figure number}, 1, 2, ... in the order of the widget lines across the sections. A wrong
    widget line raises MarkupError with .path and .line here, before any {fig:name} can point past it."""
    numbers = {}
    for section in sections:
        for offset, line in enumerate(section.body.splitlines()):
            try:
                name = widget_name(line, known)
            except MarkupError as error:
                error.path, error.line = section.path, section.body_line + offset
                raise
            if name and name not in numbers:
                numbers[name] = len(numbers) + 1
    return numbers


def substitute_figure_refs(line, figures, store):
    """Each {fig:name} in line replaced by a link "Figure N" to #figure-N; figures: {name: number};
    store(html) keeps the link's HTML away from Markdown. An unknown name raises MarkupError."""
    def link(match):
        name = match.group(1)
        if name not in figures:
            close = difflib.get_close_matches(name, list(figures), n=3, cutoff=0.4)
            hint = f"; closest: {', '.join(f'{{fig:{c}}}' for c in close)}" if close else ""
            raise MarkupError(f"unknown figure {match.group(0)!r}{hint} (figures: {', '.join(sorted(figures))})")
        number = figures[name]
        return store(f'<a class="figure-ref" href="#figure-{number}">Figure&nbsp;{number}</a>')
    return FIGURE_REF_RE.sub(link, line)
