"""What a section's Markdown may hold beyond Markdown and maths, checked strictly (docs/authoring.md):

- a widget line, `::: name`: the whole line, one known widget name (templates/widgets/name.html);
- a placeholder, `{{ photos.count }}`: a number from the content or the model, substituted at build time;
- raw HTML, only from an allowlist (SAFE_HTML below, applied by nh3, a maintained sanitiser): nothing an
  author writes may run code, move the page elsewhere or load from another origin. html_problems() finds
  what the sanitiser would remove, with its line, so a build can refuse it (limits: raw_html: strict).

Every mistake raises MarkupError in plain words, with a "did you mean" where a near name exists; the
caller adds the file and line.
"""
import difflib
import functools
import html.parser
import re
from pathlib import Path
from urllib.parse import unquote

import markdown
import nh3

from .maths import maths_text

WIDGET_LINE_RE = re.compile(r"^ {0,3}:::")          # 4 spaces of indent would make it a code block
WIDGET_NAME_RE = re.compile(r"^ {0,3}::: ([a-z0-9-]+)$")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
MATH_RE = re.compile(r"(?<![\\$])(\$\$?)(?=\S)(.+?)(?<=\S)\1", re.S)
MARKDOWN_EXTENSIONS = ["tables", "attr_list", "sane_lists", "smarty", "footnotes"]
FIGURE_REF_RE = re.compile(r"\{fig:([^{}\s]*)\}")
# A figure has one name (its widget file, figure module, element id, chart): the names it went by before keep
# working in a widget line (`::: photo-label-matrix`), in figures.yaml and in {fig:...}.
WIDGET_ALIASES = {"label-crowding": "crowding", "modality-gap": "gap", "model-input": "seen",
                  "photo-label-matrix": "matrix", "temperature-sweep": "sweep", "template-comparison": "templates",
                  "template-heatmap": "templates", "occlusion-map": "saliency"}


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
    name = match and WIDGET_ALIASES.get(match.group(1), match.group(1))
    if name in known:
        return name
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
    values = {name: f"{value:,}" if isinstance(value, int) else f"{value:g}" for name, value in values.items()}
    # the deep dive inside the towers: the checkpoint's layers and heads (explainer/towers.py)
    towers = context.get("towers") or {}
    values.update({f"towers.{name}": f"{towers[name]:,}" for name in ("layers", "heads", "text_layers")
                   if name in towers})
    # the modality-gap figure's cosines (Step 1 quotes them), written as the figure writes them
    values.update({f"gap.{name}": f"{value:.3f}" for name, value in context.get("gap_cosines", {}).items()})
    return values


def substitute_placeholders(line, values):
    """Each {{ name }} in line replaced by its value; an unknown name raises MarkupError."""
    def value(match):
        name = match.group(1)
        if name not in values:
            raise MarkupError(f"unknown placeholder {match.group(0)!r}{did_you_mean(name, values, '{{{{ {} }}}}')}"
                              f" (placeholders: {', '.join(sorted(values))})")
        return values[name]
    return PLACEHOLDER_RE.sub(value, line)


# ---- raw HTML: the allowlist ------------------------------------------------------------------------

RAW_HTML_MODES = ("strict", "strip")  # settings.yaml, limits: raw_html
SAFE_TAGS = {
    "a", "abbr", "b", "bdi", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "dfn", "div",
    "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
}
SAFE_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir", "role", "aria-label", "aria-hidden", "aria-describedby"},
    "a": {"href", "hreflang", "data-add-labels"}, "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "blockquote": {"cite"}, "q": {"cite"}, "del": {"cite"}, "ins": {"cite"}, "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan", "style"}, "th": {"colspan", "rowspan", "scope", "style"},
}
URL_ATTRIBUTES = {"href", "src", "cite"}
URL_SCHEMES = {"http", "https", "mailto"}  # and relative addresses (a file of the site, #anchor)
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "textarea",
                        "select", "title", "frameset", "noembed", "noframes", "xmp"}
SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)
STYLE_RE = re.compile(r"^\s*text-align\s*:\s*(left|right|center)\s*;?\s*$", re.I)


def url_problem(tag, attribute, value):
    """Why a URL may not stay (None if it may): a scheme other than http(s)/mailto (javascript:, data:...);
    for an image, any address that may leave the site: a scheme, or a start a browser reads as another host
    ("//host", "/\\host", "\\\\host", percent-encoded or with tabs inside): the page loads nothing from another
    origin."""
    bare = re.sub(r"[\x00-\x20\x7f]+", "", value)  # browsers ignore these inside a scheme ("java\tscript:")
    scheme = SCHEME_RE.match(bare)
    if tag == "img" and attribute == "src":
        start = unquote(unquote(bare)).replace("\\", "/")  # a browser reads "\\" as "/" in an http(s) URL
        if scheme or SCHEME_RE.match(start) or start.startswith("//"):
            return f"an image from another address ({value[:60]!r}); put the image in the site"
    if scheme and scheme.group(1).lower() not in URL_SCHEMES:
        return f"a {scheme.group(1).lower()}: address ({value[:60]!r}); only http(s), mailto and relative links"
    return None


def attribute_problem(tag, attribute, value):
    """Why attribute may not stay on tag (None if it may)."""
    if attribute.startswith("on"):
        return f"an event handler attribute {attribute}= on <{tag}> (it would run code)"
    if attribute not in SAFE_ATTRIBUTES["*"] and attribute not in SAFE_ATTRIBUTES.get(tag, ()):
        return f"the attribute {attribute}= on <{tag}>, which is not on the allowlist"
    if attribute in URL_ATTRIBUTES:
        return url_problem(tag, attribute, value or "")
    if attribute == "style" and not STYLE_RE.match(value or ""):
        return f"a style on <{tag}> other than text-align ({(value or '')[:60]!r})"
    if attribute == "id":
        return owned_id(value)
    return None


def keep_attribute(tag, attribute, value):
    """nh3's attribute_filter: the value, or None to drop the attribute (the same rules as html_problems)."""
    if attribute in URL_ATTRIBUTES and url_problem(tag, attribute, value):
        return None
    if attribute == "id" and owned_id(value):
        return None
    return value


# The page's Content-Security-Policy blocks inline styles, so the alignment Markdown's tables write as
# style="text-align: ..." becomes a class (style.css: .align-left, .align-right, .align-center).
CELL_TAG_RE = re.compile(r"<(td|th)\b([^<>]*)>", re.I)
STYLE_ATTRIBUTE_RE = re.compile(r"""\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
CLASS_ATTRIBUTE_RE = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def alignment_to_class(html_text):
    """Each <td>/<th> style="text-align: X" as class="align-X" (any other style is left for the sanitiser)."""
    def cell(match):
        attributes = match.group(2)
        style = STYLE_ATTRIBUTE_RE.search(attributes)
        aligned = style and STYLE_RE.match(next(g for g in style.groups() if g is not None))
        if not aligned:
            return match.group(0)
        attributes = attributes[:style.start()] + attributes[style.end():]
        align = f"align-{aligned.group(1).lower()}"
        classes = CLASS_ATTRIBUTE_RE.search(attributes)
        if classes:
            names = next(g for g in classes.groups() if g is not None)
            attributes = attributes[:classes.start()] + attributes[classes.end():]
            align = f"{names} {align}"
        return f'<{match.group(1)} class="{align}"{attributes}>'
    return CELL_TAG_RE.sub(cell, html_text)


SANITISED_ATTRIBUTES = {tag: names - {"style"} for tag, names in SAFE_ATTRIBUTES.items()}


def sanitise(html_text):
    """html_text with everything off the allowlist removed (by nh3: tags, attributes, URLs, comments)."""
    return nh3.clean(alignment_to_class(html_text), tags=SAFE_TAGS, attributes=SANITISED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, clean_content_tags=DROPPED_WITH_CONTENT, attribute_filter=keep_attribute,
                     link_rel=None, strip_comments=True)


# ---- maths: a MathML allowlist (what latex2mathml writes, nothing that links, runs or styles) ----------
MATHML_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "munder", "mover",
    "munderover", "mfrac", "msqrt", "mroot", "mstyle", "mtable", "mtr", "mtd", "mlabeledtr", "mpadded",
    "mphantom", "menclose", "merror", "mfenced", "mmultiscripts", "mprescripts", "none", "semantics",
}
MATHML_ATTRIBUTES = {
    "math": {"xmlns", "display"},
    "*": {"mathvariant", "mathsize", "mathcolor", "mathbackground", "displaystyle", "scriptlevel", "stretchy",
          "fence", "separator", "separators", "open", "close", "form", "lspace", "rspace", "accent", "accentunder",
          "movablelimits", "largeop", "symmetric", "minsize", "maxsize", "linethickness", "width", "height",
          "depth", "voffset", "notation", "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines",
          "rowlines", "frame", "framespacing", "equalrows", "equalcolumns", "columnspan", "rowspan", "bevelled"},
}


def sanitise_mathml(mathml):
    """Typeset maths with everything off the MathML allowlist removed (by nh3, as the author's HTML is)."""
    return nh3.clean(mathml, tags=MATHML_TAGS, attributes=MATHML_ATTRIBUTES, url_schemes=set(),
                     clean_content_tags=DROPPED_WITH_CONTENT, link_rel=None, strip_comments=True)


# ---- ids the page owns: an author's element with one of them would clobber the client's -----------------
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE_ID_RE = re.compile(r"""\bid=["']([^"']*)["']""")
GENERATED_ID_PREFIXES = ("fn-", "fnref-", "side-")  # the footnotes' ids (render.side_notes)


@functools.cache
def page_ids(templates_dir=TEMPLATES_DIR):
    """(ids, prefixes): every literal id in the page's templates (page.html, widgets/...) and the fixed start of
    each templated one ("figure-{{ number }}" -> "figure-"), with the footnotes' prefixes."""
    ids, prefixes = set(), set(GENERATED_ID_PREFIXES)
    for path in sorted(Path(templates_dir).rglob("*.html")):
        for value in TEMPLATE_ID_RE.findall(path.read_text(encoding="utf-8")):
            start = value.split("{", 1)[0]
            if "{" not in value:
                ids.add(value)
            elif start:
                prefixes.add(start)
    return frozenset(ids), tuple(sorted(prefixes))


def owned_id(value):
    """Why an author may not use this id (None if they may): the page's own element has it."""
    ids, prefixes = page_ids()
    value = (value or "").strip()
    if value in ids:
        return f"the id {value!r}, which the page's own element has (templates/); choose another id"
    start = next((p for p in prefixes if value.startswith(p)), None)
    if start:
        return f"the id {value!r}: ids starting {start!r} are the page's own (templates/); choose another id"
    return None


class _Problems(html.parser.HTMLParser):
    """Every tag and attribute of an HTML text that sanitise() would remove: [(tag or attribute, why)]."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag not in SAFE_TAGS:
            why = "it would run code or change the page" if tag in DROPPED_WITH_CONTENT | {
                "meta", "base", "link", "form", "input", "button", "frame", "svg", "math"} else "not on the allowlist"
            self.found.append(((f"<{tag}",), f"a <{tag}> element ({why})"))
            return
        for attribute, value in attrs:
            problem = attribute_problem(tag, attribute, value)
            if problem:
                id_needles = (f'id="{value}"', f"id='{value}'", f"#{value}", value)
                self.found.append(((value, f"{attribute}=") if attribute in URL_ATTRIBUTES and value
                                   else id_needles if attribute == "id" and value
                                   else (f"{attribute}=", f"<{tag}"), problem))

    handle_startendtag = handle_starttag


# ---- Markdown's work, bounded before it starts ------------------------------------------------------------
# Python-Markdown reads a paragraph's inline marks by scanning on from each one: from a "[" to its "]" (or, with
# none, to the paragraph's end), and a "<", "*", "_", "`" or "&" can scan the rest of the paragraph too. So the
# work grows with marks x length, not with length alone: 24,900 "[" then 24,900 "]" took six minutes. Each
# section's paragraphs are measured first (linear time); the real content needs under 1% of either budget.
MAX_BRACKET_SCAN = 1_500_000   # characters scanned from every "[" to its "]" (~1 s of Markdown)
MAX_MARK_SCAN = 50_000_000     # other inline marks x their paragraph's length (~0.5 s)
OTHER_MARKS_RE = re.compile(r"[<*_`&]")


def markdown_work_problem(body):
    """(line in body, 1-based, why) for the first paragraph past Markdown's work budget, or None."""
    bracket_scan = mark_scan = 0
    first_line = 1
    for paragraph in re.split(r"(\n[ \t]*\n)", body):
        if not paragraph.strip():
            first_line += paragraph.count("\n")
            continue
        opened = []  # positions of the "[" not yet closed
        for position, char in enumerate(paragraph):
            if char == "[":
                opened.append(position)
            elif char == "]" and opened:
                bracket_scan += position - opened.pop()
        bracket_scan += sum(len(paragraph) - position for position in opened)
        mark_scan += len(OTHER_MARKS_RE.findall(paragraph)) * len(paragraph)
        if bracket_scan > MAX_BRACKET_SCAN or mark_scan > MAX_MARK_SCAN:
            what = "[ ] brackets" if bracket_scan > MAX_BRACKET_SCAN else "inline marks (< * _ ` &)"
            return (first_line, f"the section's Markdown is too costly to convert: its {what} nest or repeat "
                                "so much that Markdown would scan it for minutes; split the paragraph that starts "
                                "here, or write the characters as HTML entities (&#91; for [)")
        first_line += paragraph.count("\n")
    return None


def html_problems(body):
    """What sanitise() would remove from a section's Markdown body (raw HTML, and links Markdown makes):
    [(line in body, 1-based, problem)], in order."""
    lines = body.split("\n")
    out = []
    # maths: what it shows as text (\\text{...}, \\mbox{...}) is read as HTML, on its own line, and refused
    # as it would be outside the maths; then the maths is blanked out for Markdown (it is typeset, never HTML)
    for line_no, line in enumerate(lines, 1):
        for match in MATH_RE.finditer(line):
            text = maths_text(match.group(2))
            if "<" in text:
                maths = _Problems()
                maths.feed(text)
                maths.close()
                out += [(line_no, f"in the maths {match.group(0)[:60]}: {problem}") for _, problem in maths.found]
    masked = "\n".join(MATH_RE.sub(lambda m: " " * len(m.group(0)), line) for line in lines)
    converted = markdown.markdown(masked, extensions=MARKDOWN_EXTENSIONS, output_format="html")
    parser = _Problems()
    parser.feed(converted)
    parser.close()
    for needles, problem in parser.found:  # its line: the first that holds the value, else the attribute...
        line = next((n for needle in needles for n, text in enumerate(lines, 1) if needle.lower() in text.lower()), 1)
        out.append((line, problem))
    return sorted(out, key=lambda found: found[0])
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
