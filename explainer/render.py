"""Stage 5, render: Markdown sections -> HTML (maths -> MathML at build time), placed in Jinja templates.

In a section, a line `::: name` places the interactive widget templates/widgets/name.html there, and
`{{ photos.count }}`-style placeholders take numbers from the content and the model (explainer/markup.py);
maths is checked strictly (explainer/maths.py). pagecontext.page_context() is everything the templates can use (the
snapshot's `model` gives the checkpoint's sizes: `model.dim`, `model.context_length`, `model.image_size`,
`model.patch_size`).
"""
import collections
import json
import re
import secrets
import traceback
from pathlib import Path

import jinja2
import markdown
from markdown.postprocessors import Postprocessor, RawHtmlPostprocessor
from markdown.preprocessors import Preprocessor
from markupsafe import Markup

from .errors import BuildError
from .markup import (
    MARKDOWN_EXTENSIONS,
    MATH_RE,
    WIDGET_ALIASES,
    MarkupError,
    did_you_mean,
    figure_numbers,
    placeholder_values,
    sanitise,
    sanitise_mathml,
    substitute_figure_refs,
    substitute_placeholders,
    widget_name,
)
from .maths import MathsError, to_mathml
from .references import CITATION_RE, Citations

LONE_DOLLAR_RE = re.compile(r"(?<!\\)\$")  # a $ left over once the maths is stashed: never closed
ID_ATTRIBUTE_RE = re.compile(r"\sid=")


def make_environment(templates_dir):
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


class SectionPreprocessor(Preprocessor):
    """Turns `$...$`, `$$...$$` and `::: widget` lines into stashed HTML, with errors naming the line."""

    def __init__(self, md, section, render_widget, widgets, placeholders, trusted, figures, citations):
        super().__init__(md)
        self.section, self.render_widget = section, render_widget
        self.widgets, self.placeholders, self.trusted = widgets, placeholders, trusted
        self.figures, self.citations = figures, citations  # {name: number}; references.Citations

    def run(self, lines):
        out = []
        for offset, line in enumerate(lines):
            line_no = self.section.body_line + offset
            try:
                widget = widget_name(line, self.widgets)
                if widget:
                    out += ["", self.trusted.store(self.render_widget(widget, self.section.path, line_no)), ""]
                    continue
                line = substitute_placeholders(line, self.placeholders)
                line = substitute_figure_refs(line, self.figures, self.trusted.store)
                line = CITATION_RE.sub(self.cite, line)
            except MarkupError as error:
                raise BuildError(str(error), self.section.path, line_no) from None
            line = MATH_RE.sub(lambda m, line_no=line_no: self.math(m, line_no), line)
            if LONE_DOLLAR_RE.search(line):
                raise BuildError("a $ is never closed: maths goes between $...$ (inline) or $$...$$ on one line; "
                                 "write \\$ for a dollar sign", self.section.path, line_no)
            out.append(line)
        return out

    def cite(self, match):
        keys = [key.strip()[1:] for key in match.group(1).split(";")]
        try:
            return self.trusted.store(self.citations.cite(keys, lambda key: did_you_mean(
                key, self.citations.references, "'@{}'")))
        except KeyError as error:
            raise MarkupError(error.args[0]) from None

    def math(self, match, line_no):
        display = "block" if match.group(1) == "$$" else "inline"
        try:
            mathml = to_mathml(match.group(2), display)
        except MathsError as error:
            raise BuildError(f"cannot typeset {match.group(0)}: {error}", self.section.path, line_no) from None
        return self.trusted.store(sanitise_mathml(mathml))  # the MathML allowlist: nothing but maths


AUTHOR_ID_RE = re.compile(r'\sid="([^"]+)"')


class TrustedHtml(Postprocessor):
    """The build's own HTML in a section (widgets, typeset maths) stands in the Markdown as a token; once
    Markdown is done, the section's HTML (the author's) is sanitised, then the tokens are replaced, as
    Markdown's own stash would place them: a block (a widget) without the paragraph around it."""

    def __init__(self, md):
        super().__init__(md)
        self.nonce, self.blocks, self.block_level = secrets.token_hex(8), [], RawHtmlPostprocessor(md).isblocklevel

    def store(self, html):
        self.blocks.append(html)
        return f"trusted{self.nonce}n{len(self.blocks) - 1}z"

    def run(self, text):
        text = sanitise(text)
        self.author_ids = AUTHOR_ID_RE.findall(text)  # before the build's own HTML is put back
        for index, html in enumerate(self.blocks):
            token = f"trusted{self.nonce}n{index}z"
            if self.block_level(html):
                text = text.replace(f"<p>{token}</p>", html)
            text = text.replace(token, html)
        return text


def render_section(section, render_widget, widgets, placeholders, figures, citations):
    md = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html")
    trusted = TrustedHtml(md)
    md.preprocessors.register(SectionPreprocessor(md, section, render_widget, widgets, placeholders, trusted,
                                                  figures, citations), "clip-section", 30)
    md.postprocessors.register(trusted, "clip-trusted", 5)  # last: after Markdown's own postprocessors
    html = side_notes(md.convert(section.body), section.id)
    return html, [i for i in trusted.author_ids if not i.startswith(("fn:", "fnref:"))]  # footnotes: renamed


def check_author_ids(page, sections):
    """An id the author wrote (raw HTML, {#id}) that the page's own HTML also has would clobber the client's
    element (document.getElementById finds the first): refused with its file and line."""
    counts = collections.Counter(AUTHOR_ID_RE.findall(page))
    authored = collections.Counter(element_id for _, ids in sections for element_id in ids)
    for section, ids in sections:
        for element_id in ids:
            if counts[element_id] > authored[element_id] or authored[element_id] > 1:
                lines = section.body.split("\n")
                offset = next((n for n, text in enumerate(lines) if element_id in text), 0)
                whose = ("one of the page's own elements" if counts[element_id] > authored[element_id]
                         else "another element the sections write")
                raise BuildError(f"the id {element_id!r} is also the id of {whose}; choose another id",
                                 section.path, section.body_line + offset)
    for section, _ in sections:  # a section's own id (front matter) beside a figure's ("tokens", "gap", ...)
        if counts[section.id] > 1:
            raise BuildError(f"the section id {section.id!r} is also the id of another element of the page (a figure's "
                             "or another section's); choose another id", section.path,
                             next((n for n, text in enumerate(section.path.read_text().split("\n"), 1)
                                   if text.startswith("id:")), 2))


FOOTNOTE_START_RE = re.compile(r'<li id="(fn-[\w-]+)">')
LIST_ITEM_TAG_RE = re.compile(r"<(/?)li\b[^>]*>")
# A note's blocks (a list, a quote, code) become spans in its side-note copy: a <span> may hold no block
BLOCK_TAG_RE = re.compile(r"<(/?)(ul|ol|li|blockquote|pre|table|caption|thead|tbody|tfoot|tr|td|th|dl|dt|dd|div|"
                          r"h[1-6]|figure|figcaption|details|summary|hr)\b[^>]*>", re.I)
BACKLINK_RE = re.compile(r'\s*(&#160;)?<a class="footnote-backref"[^>]*>.*?</a>', re.S)


def side_notes(html, section_id):
    """Python-Markdown's footnotes, made unique across sections (each section is converted on its own), and
    each note repeated as a side note beside its marker for wide screens (style.css); the numbered list at
    the section's end stays the one screen readers and narrow screens read."""
    html = html.replace('"fnref:', f'"fnref-{section_id}-').replace('"#fnref:', f'"#fnref-{section_id}-')
    html = html.replace('"fn:', f'"fn-{section_id}-').replace('"#fn:', f'"#fn-{section_id}-')
    for note_id, note in footnotes(html):
        text = BACKLINK_RE.sub("", note).replace("<p>", "").replace("</p>", " ").strip()
        text = BLOCK_TAG_RE.sub(lambda m: "" if m.group(2).lower() == "hr" else "</span>" if m.group(1)
                                else f'<span class="sn-block sn-{m.group(2).lower()}">', text)
        # the copy is hidden from screen readers (the list is theirs): its ids renamed, its links out of Tab
        text = re.sub(r'\b(id|aria-describedby)="', r'\1="side-', text).replace("<a ", '<a tabindex="-1" ')
        start = html.find(f'<sup id="fnref-{note_id[3:]}">')
        if start >= 0:
            end = html.find("</sup>", start) + len("</sup>")
            number = re.sub(r"<[^>]+>", "", html[start:end])  # the marker's own number, as the reader sees it
            html = (html[:end] + f'<span class="sidenote" aria-hidden="true"><b>{number}</b> {text}</span>'
                    + html[end:])
    return html


def footnotes(html):
    """[(note id, its HTML)] of the footnote list's items, each up to its own </li> (a note may hold a list)."""
    out = []
    for start in FOOTNOTE_START_RE.finditer(html):
        depth = 1
        for tag in LIST_ITEM_TAG_RE.finditer(html, start.end()):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                out.append((start.group(1), html[start.end():tag.start()]))
                break
    return out


def widget_names(env):
    """The widgets an author may place: templates/widgets/*.html, less the _partials."""
    return sorted(t[len("widgets/"):-len(".html")] for t in env.list_templates()
                  if t.startswith("widgets/") and not t.startswith("widgets/_") and t.endswith(".html"))


CORE_PAGE = "index.html"


def page_file(page):
    """The file a section's `page:` lands in: "" (no `page:`) is the core article."""
    return f"{page}.html" if page else CORE_PAGE


def pages_in_order(sections):
    """{file: [sections]} in reading order: the core article first, then each deep-dive page in the order of its
    first section in the files; a page's sections in file order."""
    pages = {CORE_PAGE: []}
    for section in sections:
        pages.setdefault(page_file(section.page), []).append(section)
    return pages


def render_site(env, content, context):
    """The explainer as pages: {file: HTML}, the core article (index.html) and one page per `page:` slug. Figure
    numbers run across the site in reading order (the core article first), so Figure N is the same figure on every
    page; a link to an id on another page is written as that page's address (link_across_pages). A widget whose HTML
    carries element ids (all of today's: the client finds them by id) may be placed once in the whole site."""
    placed = {}  # widget name -> (path, line) of its first place
    widgets, placeholders = widget_names(env), placeholder_values(context)
    known_figures = {WIDGET_ALIASES.get(widget, widget): figure for widget, figure in (content.figures or {}).items()}
    for widget, figure in known_figures.items():
        if widget not in widgets:
            hint = did_you_mean(widget, widgets, "'{}'")
            raise BuildError(f"unknown widget {widget!r}{hint}",
                             content.content_dir / "figures.yaml", figure.line)
    pages = pages_in_order(content.sections)
    in_order = [section for sections in pages.values() for section in sections]
    # Numbers follow the order of the widget lines, so a new widget line is numbered without any edit.
    try:
        numbers = figure_numbers(in_order, widgets)                        # {widget: number}
    except MarkupError as error:
        raise BuildError(str(error), error.path, error.line) from None
    figures = {**numbers, **{f.name: numbers[w] for w, f in known_figures.items() if w in numbers}}
    figures |= {old: figures[new] for old, new in WIDGET_ALIASES.items() if new in figures and old not in figures}
    citations = Citations(content.references or {}, (content.content_dir or Path(".")) / "references.bib")

    def render_widget(name, path, line):
        if name in placed:
            first_path, first_line = placed[name]
            raise BuildError(f"widget {name!r} may appear only once (its HTML carries element ids) and is "
                             f"already placed at {first_path}:{first_line}", path, line)
        html = render_template(env, f"widgets/{name}.html", context).strip()
        if ID_ATTRIBUTE_RE.search(html):
            placed[name] = (path, line)
        figure = known_figures.get(name)
        caption = figure.caption if figure and figure.caption else name.replace("-", " ").capitalize()
        return env.get_template("widgets/_figure.html").render(number=numbers[name], name=name, caption=caption,
                                                                widget_html=Markup(html)).strip()

    rendered = {s: render_section(s, render_widget, widgets, placeholders, figures, citations)
                for s in in_order}  # section -> (html, the ids its author wrote)
    every_section = [dict(id=s.id) for s in in_order]
    citations.check_all_used()
    bibliography = citations.bibliography()  # numbered across the site: [3] is the same work on every page
    links = overview_links(context, numbers, every_section)
    site_map = [dict(file=file, title=page_title(sections, context), current=False,
                     steps=[dict(id=s.id, title=s.title, kicker=s.kicker) for s in sections])
                for file, sections in pages.items() if sections]
    html = {}
    for file, sections in pages.items():
        if not sections and file != CORE_PAGE:
            continue
        shown = [dict(id=s.id, title=s.title, kicker=s.kicker, html=rendered[s][0]) for s in sections]
        page = dict(file=file, core=file == CORE_PAGE, title=page_title(sections, context) if sections else "",
                    site_map=[dict(entry, current=entry["file"] == file) for entry in site_map])
        cited = "".join(section["html"] for section in shown)  # a page lists the works it cites, by their numbers
        listed = [ref for ref in bibliography if f'href="#ref-{ref["key"]}"' in cited]
        html[file] = render_template(env, "page.html", dict(context, sections=shown, bibliography=listed,
                                                            overview_links=links, page=page, page_ids="{}"))
        check_author_ids(html[file], [(s, rendered[s][1]) for s in sections])
    check_author_ids("".join(html.values()), [(s, []) for s in in_order])  # a section id is one element site-wide
    return link_across_pages(html, in_order)


def render_page(env, content, context):
    """The core article alone (a site whose sections have no `page:`): render_site's index.html."""
    return render_site(env, content, context)[CORE_PAGE]


def page_title(sections, context):
    """A page's title: the site's for the core article, a deep-dive page's first section's title for the others."""
    if not sections or not sections[0].page:
        return context["site"]["title"]
    return sections[0].title


PAGE_ID_RE = re.compile(r'\sid="([^"]+)"')
LOCAL_HREF_RE = re.compile(r'(\shref=")#([^"=&]+)"')
LINKED_ID_RE = re.compile(r"figure-\d+\Z|fn-|fnref-")  # a figure's anchor, a footnote and its marker
PAGE_IDS_JSON = '<script type="application/json" id="page-ids">{}</script>'


def link_across_pages(html, sections):
    """{file: HTML} with every `href="#id"` whose id is not on its own page but on another written as
    `other.html#id` (the first page in reading order that holds it), and each page told, in its
    <script id="page-ids">, which page holds each id a link may name (a section, a figure, a footnote, a link's
    target): old addresses (index.html#figure-9 once that figure moved) are forwarded there by state/links.js."""
    ids = {file: set(PAGE_ID_RE.findall(page)) for file, page in html.items()}

    def home(element_id):
        return next((file for file in html if element_id in ids[file]), None)

    targets = {m.group(2) for page in html.values() for m in LOCAL_HREF_RE.finditer(page)}
    named = {s.id for s in sections} | targets | {i for own in ids.values() for i in own if LINKED_ID_RE.match(i)}
    where = {i: home(i) for i in sorted(named) if home(i) and any(i not in own for own in ids.values())}
    where_json = json.dumps(where, separators=(",", ":")).replace("<", "\\u003c")
    out = {}
    for file, page in html.items():
        def across(match, file=file):
            element_id = match.group(2)
            if element_id in ids[file] or element_id not in where:
                return match.group(0)
            return f'{match.group(1)}{where[element_id]}#{element_id}"'
        page = LOCAL_HREF_RE.sub(across, page)
        out[file] = page.replace(PAGE_IDS_JSON.format("{}"), PAGE_IDS_JSON.format(where_json), 1)
    return out


def render_template(env, name, context):
    """env's template name rendered with context; a template's own mistake (an include or a variable that does
    not exist, a syntax error) raises BuildError naming the template file and line instead of a traceback."""
    try:
        return env.get_template(name).render(**context)
    except (jinja2.TemplateError, TypeError, AttributeError) as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".html")]
        path = frames[-1].filename if frames else getattr(error, "filename", None) or name
        line = frames[-1].lineno if frames else getattr(error, "lineno", None)
        what = (f"the template {error.name!r} it includes does not exist" if isinstance(error, jinja2.TemplateNotFound)
                else f"{type(error).__name__}: {error}")
        raise BuildError(f"cannot render the template: {what}", path, line) from None

def overview_links(context, numbers, sections):
    """{node: href} of the overview's boxes (overview.js names each one's widget and section): its widget's figure,
    else its section, else none (the box is then not a link), so content without that step still builds."""
    ids = {section["id"] for section in sections}
    links = {}
    for node in context["overview"]["wide"]["nodes"]:
        if node["figure"] in numbers:
            links[node["id"]] = f"#figure-{numbers[node['figure']]}"
        elif node["section"] in ids:
            links[node["id"]] = f"#{node['section']}"
    return links


