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
import html.parser
import re

import markdown
import nh3

WIDGET_LINE_RE = re.compile(r"^ {0,3}:::")          # 4 spaces of indent would make it a code block
WIDGET_NAME_RE = re.compile(r"^ {0,3}::: ([a-z0-9-]+)$")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
MATH_RE = re.compile(r"(?<![\\$])(\$\$?)(?=\S)(.+?)(?<=\S)\1", re.S)
MARKDOWN_EXTENSIONS = ["tables", "attr_list", "sane_lists", "smarty", "footnotes"]
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
    values = {name: f"{value:,}" if isinstance(value, int) else f"{value:g}" for name, value in values.items()}
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
    "a": {"href", "hreflang"}, "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "blockquote": {"cite"}, "q": {"cite"}, "del": {"cite"}, "ins": {"cite"}, "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan", "style"}, "th": {"colspan", "rowspan", "scope", "style"},
}
URL_ATTRIBUTES = {"href", "src", "cite"}
URL_SCHEMES = {"http", "https", "mailto"}  # and relative addresses (a file of the site, #anchor)
STYLE_PROPERTIES = {"text-align"}          # what Markdown's tables write (style="text-align: left;")
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "textarea",
                        "select", "title", "frameset", "noembed", "noframes", "xmp"}
SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)
STYLE_RE = re.compile(r"^\s*text-align\s*:\s*(left|right|center)\s*;?\s*$", re.I)


def url_problem(tag, attribute, value):
    """Why a URL may not stay (None if it may): a scheme other than http(s)/mailto (javascript:, data:...);
    for an image, any absolute address (the page loads nothing from another origin)."""
    bare = re.sub(r"[\x00-\x20\x7f]+", "", value)  # browsers ignore these inside a scheme ("java\tscript:")
    scheme = SCHEME_RE.match(bare)
    if tag == "img" and attribute == "src" and (scheme or bare.startswith("//")):
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
    return None


def keep_attribute(tag, attribute, value):
    """nh3's attribute_filter: the value, or None to drop the attribute (the same rules as html_problems)."""
    if attribute in URL_ATTRIBUTES and url_problem(tag, attribute, value):
        return None
    return value


def sanitise(html_text):
    """html_text with everything off the allowlist removed (by nh3: tags, attributes, URLs, comments)."""
    return nh3.clean(html_text, tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     clean_content_tags=DROPPED_WITH_CONTENT, filter_style_properties=STYLE_PROPERTIES,
                     attribute_filter=keep_attribute, link_rel=None, strip_comments=True)


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
                self.found.append(((value, f"{attribute}=") if attribute in URL_ATTRIBUTES and value
                                   else (f"{attribute}=", f"<{tag}"), problem))

    handle_startendtag = handle_starttag


def html_problems(body):
    """What sanitise() would remove from a section's Markdown body (raw HTML, and links Markdown makes):
    [(line in body, 1-based, problem)], in order."""
    masked = "\n".join(MATH_RE.sub(lambda m: " " * len(m.group(0)), line)  # maths: typeset, never HTML
                        for line in body.split("\n"))
    converted = markdown.markdown(masked, extensions=MARKDOWN_EXTENSIONS, output_format="html")
    parser = _Problems()
    parser.feed(converted)
    parser.close()
    lines = body.splitlines()
    out = []
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
