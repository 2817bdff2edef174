"""Hostile inputs, the kinds of issue 30 an author or a reader controls: each kind refused with its file and line (or
made harmless), tested with several variants of the kind, not one example. Most cases read the content only
(explainer.content.read_content, about a second); one small build checks what reaches the page."""
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser

import markdown
import pytest
from conftest import ROOT, make_small_inputs, small_build
from test_authoring import filled_cache, small_cached  # noqa: F401  (fixtures: a filled embedding cache)
from test_bad_input import edit

from explainer.content import Section, read_content
from explainer.errors import BuildError
from explainer.markup import (
    MARKDOWN_EXTENSIONS,
    MATH_RE,
    html_problems,
    markdown_work_problem,
    page_ids,
    sanitise,
    sanitise_mathml,
)
from explainer.maths import to_mathml
from explainer.render import check_author_ids, make_environment, render_template, side_notes

COSINE = "03-cosine.md"


@pytest.fixture
def inputs(tmp_path):
    """(content, photos): a private copy of the small inputs, read with read_content."""
    return make_small_inputs(tmp_path)


def line_of(path, text):
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if text in line)


def refused(inputs, path, line, *words):
    """read_content refuses the inputs naming path and line, with words in its message, without a traceback."""
    with pytest.raises(BuildError) as caught:
        read_content(*inputs)
    error = caught.value
    assert (str(error.path), error.line) == (str(path), line), str(error)
    for word in words:
        assert word in error.message, f"{word!r} not in {error.message!r}"
    return error


def add_to_section(content, text):
    """text as a paragraph of the cosine section; returns (path, its first line)."""
    path = content / "sections" / COSINE
    edit(path, "::: similarities\n", f"::: similarities\n\n{text}\n")
    return path, line_of(path, text.split("\n")[0])


# ---- 3: maths ---------------------------------------------------------------------------------------

TEXT_IN_MATHS = [r"\text", r"\mbox", r"\textbf", r"\textit", r"\texttt", r"\textrm", r"\textsf", r"\hbox"]


@pytest.mark.parametrize("command", TEXT_IN_MATHS)
def test_text_in_maths_is_escaped_and_the_mathml_allowlisted(command):
    try:
        mathml = to_mathml(command + r"{</math><meta http-equiv='refresh'><div id=snapshot>x & y</div>}", "inline")
    except Exception as error:  # noqa: BLE001 (a command latex2mathml does not know is refused by the build)
        pytest.skip(f"{command} is not a latex2mathml command ({error})")
    parser = Tags()
    parser.feed(mathml)
    assert not {"meta", "div"} & set(parser.tags), mathml  # the text stays text
    assert "&lt;/math&gt;&lt;meta" in mathml and "&amp;" in mathml
    assert sanitise_mathml(mathml).count("<math") == 1


def shape(html):
    """An HTML text's elements, attributes and text, however serialised ("&#x003C4;" or "τ", "<mo />")."""
    class Shape(HTMLParser):
        found = []

        def handle_starttag(self, tag, attrs):
            self.found.append((tag, sorted(attrs)))

        def handle_data(self, data):
            self.found.append(data)
    parser = Shape()
    parser.found = []
    parser.feed(html)
    return parser.found


def test_the_mathml_allowlist_keeps_maths_and_drops_the_rest():
    snippets = [r"\tau = \frac{1}{\sqrt{2}} \sum_i x_i^2 \leq \left( \hat{y} \right) \overline{x} \mathbf{v}"]
    for section in (ROOT / "content" / "sections").glob("*.md"):
        snippets += [m.group(2) for m in MATH_RE.finditer(section.read_text(encoding="utf-8"))]
    for snippet in snippets:  # what latex2mathml writes for the real content passes whole
        typeset = to_mathml(snippet, "block")
        assert shape(sanitise_mathml(typeset)) == shape(typeset), snippet
    hostile = ('<math><mi href="https://e.org/" onclick="x()">x</mi><mtext><a href="https://e.org/">a</a>'
               '<script>alert(1)</script><img src=x></mtext><annotation-xml><svg></svg></annotation-xml></math>')
    clean = sanitise_mathml(hostile)
    for gone in ("href", "onclick", "<a", "<script", "alert", "<img", "svg", "annotation"):
        assert gone not in clean, (gone, clean)


@pytest.mark.parametrize("maths, words", [
    (r'$\text{<meta/http-equiv="refresh"/content="3;url=https://evil.example/">}$', "a <meta> element"),
    (r'$$\mbox{</math><div/id="snapshot">x</div>}$$', "'snapshot'"),
    (r"$x = \textbf{<img src=x onerror=alert(1)>}$", "onerror="),
    (r'$\textit{<a href="javascript:alert(1)">go</a>}$', "javascript:"),
    (r"$\text{<iframe src=https://e.org/>}$", "a <iframe> element"),
])
def test_strict_mode_refuses_in_maths_what_it_refuses_outside(inputs, maths, words):
    content, _ = inputs
    path, line = add_to_section(content, f"Before the maths {maths} after.")
    error = refused(inputs, path, line, words, "in the maths")
    assert "\\\\" not in error.message  # the snippet as written


def test_plain_maths_with_angle_brackets_is_not_raw_html():
    body = "Text $a<b$ and $\\tau < 1$ and $\\langle x, y \\rangle$ and $\\text{if } x > 0$.\n"
    assert html_problems(body) == []


# ---- 4: ids the page owns ---------------------------------------------------------------------------

@pytest.mark.parametrize("markup", ['<p id="snapshot">x</p>', "<span id='control-bar'>x</span>",
                                    "## A heading {#tau-slider}", '<div id="figure-2">x</div>',
                                    "<b id=references>x</b>", '<i id="fn-cosine-1">x</i>'])
def test_ids_the_page_owns_are_refused_in_author_html(inputs, markup):
    content, _ = inputs
    path, line = add_to_section(content, markup)
    refused(inputs, path, line, "the page's own")


def test_the_owned_ids_come_from_every_template():
    ids, prefixes = page_ids()
    for template in (ROOT / "templates").rglob("*.html"):
        for literal in re.findall(r'\bid="([^"{]+)"', template.read_text(encoding="utf-8")):
            assert literal in ids, (template, literal)
    assert {"snapshot", "control-bar", "tau-slider", "similarities-table"} <= ids
    assert "figure-" in prefixes and "fn-" in prefixes


def test_an_author_id_that_collides_with_a_templated_one_is_refused_at_render(tmp_path):
    path = tmp_path / "x.md"
    section = Section("x", "X", "", "First line.\n\n<p id=\"sweep-summary\">mine</p>\n", path, 5)
    page = '<p id="sweep-summary">the page</p><section><p id="sweep-summary">mine</p><p id="fine">ok</p></section>'
    with pytest.raises(BuildError, match="sweep-summary") as caught:
        check_author_ids(page, [(section, ["sweep-summary", "fine"])])
    assert (caught.value.path, caught.value.line) == (path, 7)
    check_author_ids(page, [(section, ["fine"])])


# ---- 6: Markdown's work -----------------------------------------------------------------------------

PATHOLOGICAL = {
    "nested brackets": "[" * 24_900 + "]" * 24_900,
    "open brackets": "[a" * 12_000,
    "images": "![a" * 8_000,
    "footnote marks": "[^a" * 8_000,
    "brackets before a long text": "[a" * 300 + "x" * 40_000,
    "angle brackets": "<a" * 16_000,
    "stars": "*a" * 20_000,
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_markdown_work_is_bounded_and_refused_with_its_line(inputs, name):
    content, _ = inputs
    path = content / "sections" / "99-costly.md"  # a section of its own: under the 50,000-character limit
    path.write_text("---\nid: costly\ntitle: Costly\n---\nA first paragraph.\n\n" + PATHOLOGICAL[name] + "\n")
    start = time.monotonic()
    refused(inputs, path, 7, "too costly")
    assert time.monotonic() - start < 30  # unbounded, each of these takes minutes (24,900 brackets: 6 minutes)


def test_markdown_within_the_budget_converts_in_about_a_second():
    for text in ("[a" * 29 + "x" * 49_900, "<a" * 990 + "x" * 48_000, "[" * 600 + "]" * 600 + "x" * 48_000):
        assert markdown_work_problem(text) is None
        start = time.monotonic()
        markdown.markdown(text, extensions=MARKDOWN_EXTENSIONS)
        assert time.monotonic() - start < 20  # ~1 s on a quiet machine; a generous margin for a busy one
    for section in (ROOT / "content" / "sections").glob("*.md"):
        assert markdown_work_problem(section.read_text(encoding="utf-8")) is None, section


# ---- 9: footnotes holding blocks -------------------------------------------------------------------

class Tags(HTMLParser):
    """The start tags of an HTML text, and each block tag found inside a <span class="sidenote">."""
    BLOCKS = {"ul", "ol", "li", "blockquote", "pre", "p", "div", "table", "tr", "td", "dl", "dd", "dt", "h3", "hr"}

    def __init__(self):
        super().__init__()
        self.tags, self.stack, self.blocks_in_span = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in self.BLOCKS and any(t == "sidenote" for t in self.stack):
            self.blocks_in_span.append(tag)
        if tag not in ("br", "hr", "img"):
            self.stack.append("sidenote" if ("class", "sidenote") in attrs else tag)

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()


@pytest.mark.parametrize("note", [
    "A note.\n\n    - one\n    - two",
    "A note.\n\n    > a quote\n    > on two lines",
    "A note.\n\n    1. first\n    2. second\n\n    And after.",
    "A note.\n\n        code in the note",
    "A note.\n\n    - a list\n        - nested",
])
def test_a_footnote_holding_blocks_is_valid_html(note):
    body = f"Text with a note.[^n] And a second.[^m]\n\n[^n]: {note}\n\n[^m]: Plain.\n"
    html = side_notes(markdown.markdown(body, extensions=MARKDOWN_EXTENSIONS), "s")
    parser = Tags()
    parser.feed(html)
    assert parser.blocks_in_span == [], html
    assert parser.stack == [], html  # every element closed where it was opened
    assert html.count('class="sidenote"') == 2
    assert "Plain." in html.split('class="sidenote"')[2]  # the second note's copy is its own, not the first's tail


# ---- 10: a sentence, not a traceback ----------------------------------------------------------------

@pytest.mark.parametrize("where, old, new, words", [
    ("photos", "  title: Chelsea the cat\n", "  title: 2024\n", "must be text, not a number"),
    ("photos", "  title: Chelsea the cat\n", "  title: [a, b]\n", "must be text"),
    ("photos", "  credit: NASA (scikit-image sample data)\n", "  credit: true\n", "not true/false"),
    ("photos", "  title: Chelsea the cat\n", '  title: "Chelsea\\u2028the cat"\n', "U+2028"),
    ("photos", "  credit: NASA (scikit-image sample data)\n", '  credit: "NASA\\u2029"\n', "U+2029"),
    ("templates", '  text: "a photo of a {label}."\n', '  text: "a photo\\u2028of a {label}."\n', "U+2028"),
    ("templates", '  text: "a photo of a {label}."\n', "  text: 12\n", "must be text"),
    ("settings", "title: ", "title: 2024 #", "must be text"),
    ("section", "title: \"Cosine similarity: the one operation that matters\"", "title: 3.5", "must be text"),
    ("section", "kicker: Step 3", 'kicker: "Step\\x0b3"', "U+000B"),
])
def test_wrong_types_and_line_separators_name_file_and_line(inputs, where, old, new, words):
    content, photos = inputs
    path = {"photos": photos / "photos.yaml", "templates": content / "templates.yaml",
            "settings": content / "settings.yaml", "section": content / "sections" / COSINE}[where]
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    refused(inputs, path, line_of(path, new.split("\n")[0].strip()[:12]), words)


def test_a_line_separator_in_an_ensemble_template_names_its_line(inputs):
    content, _ = inputs
    path = content / "ensemble-templates.txt"
    path.write_text(path.read_text(encoding="utf-8") + "a photo of the\u2028{label}.\n", encoding="utf-8")
    refused(inputs, path, line_of(path, "a photo of the\u2028"), "U+2028")


def test_a_widget_including_a_missing_template_is_a_sentence(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates, ignore=shutil.ignore_patterns("assets"))
    (templates / "widgets" / "broken.html").write_text('<div>\n{% include "widgets/_nowhere.html" %}\n</div>\n')
    with pytest.raises(BuildError, match="'widgets/_nowhere.html' it includes does not exist") as caught:
        render_template(make_environment(templates), "widgets/broken.html", {})
    assert caught.value.path.endswith("broken.html") and caught.value.line == 2
    (templates / "widgets" / "typo.html").write_text("<p>{{ model.nope }}</p>\n")
    with pytest.raises(BuildError, match="cannot render the template"):
        render_template(make_environment(templates), "widgets/typo.html", {"model": {}})


# ---- 11: table alignment as classes -----------------------------------------------------------------

def test_table_alignment_becomes_classes_the_stylesheet_defines():
    table = "| a | b | c | d |\n|:--|--:|:-:|---|\n| 1 | 2 | 3 | 4 |\n"
    html = sanitise(markdown.markdown(table, extensions=MARKDOWN_EXTENSIONS))
    assert "style=" not in html
    assert html.count('class="align-left"') == 2 and html.count('class="align-right"') == 2
    assert html.count('class="align-center"') == 2
    raw = sanitise('<table><tr><td class="x" style="text-align: RIGHT;">1</td>'
                   '<th style="color:red">2</th></tr></table>')
    assert '<td class="x align-right">' in raw and "style" not in raw and "color" not in raw
    css = (ROOT / "templates" / "assets" / "style.css").read_text()
    for side in ("left", "right", "center"):
        assert re.search(rf"\.align-{side}\s*{{\s*text-align:\s*{side};", css), side


# ---- 15: labels -------------------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["c\u200bat", "\u202ecat", "dog\u2066", "ca\u200dt", "\u2060cat", "cat\ufeff",
                                   "c\u00adat", "\u200fbird"])
def test_invisible_characters_are_refused_in_authored_labels(inputs, label):
    content, _ = inputs
    path = content / "vocabulary.txt"
    path.write_text(path.read_text(encoding="utf-8") + f"{label}\n", encoding="utf-8")
    refused(inputs, path, line_of(path, label), "invisible character U+")


def test_invisible_characters_are_refused_in_the_default_labels(inputs):
    content, _ = inputs
    path = content / "labels.yaml"
    edit(path, "  - dog\n", "  - \"d\\u200bog\"\n")
    refused(inputs, path, line_of(path, "d\\u200bog"), "U+200B")


@pytest.mark.parametrize("label", ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"])
def test_object_member_names_are_refused_as_labels(inputs, label):
    content, _ = inputs
    path = content / "vocabulary.txt"
    path.write_text(path.read_text(encoding="utf-8") + f"{label}\n", encoding="utf-8")
    refused(inputs, path, line_of(path, label), "JavaScript object's own member")


def test_the_object_member_names_are_javascripts():
    from explainer.textvalue import OBJECT_MEMBERS
    names = subprocess.run(["node", "-e", "console.log(Object.getOwnPropertyNames(Object.prototype).join('\\n'))"],
                           capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert set(names) == OBJECT_MEMBERS


def test_the_clients_labels_from_links_and_typing():
    result = subprocess.run(["node", "--test", str(ROOT / "tests" / "hostile_labels_in_node.mjs")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# ---- 16: BOM and line endings -----------------------------------------------------------------------

@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_files_saved_with_a_bom_or_crlf_read_as_lf(inputs, ending):
    content, photos = inputs
    expected = read_content(*inputs)
    for path in [*(content / "sections").glob("*.md"), photos / "photos.yaml", content / "templates.yaml",
                 content / "labels.yaml", content / "settings.yaml", content / "vocabulary.txt",
                 content / "ensemble-templates.txt", content / "figures.yaml"]:
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", ending).encode())
    again = read_content(*inputs)
    assert [s.body for s in again.sections] == [s.body for s in expected.sections]
    assert [s.body_line for s in again.sections] == [s.body_line for s in expected.sections]
    assert again.vocabulary == expected.vocabulary and again.templates == expected.templates
    assert [p.title for p in again.photos] == [p.title for p in expected.photos]


def test_line_numbers_stay_right_in_a_crlf_file(inputs):
    content, _ = inputs
    path = content / "sections" / COSINE
    edit(path, "::: similarities\n", "::: similarities\n\n<p id=\"snapshot\">x</p>\n")
    line = line_of(path, 'id="snapshot"')
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    refused(inputs, path, line, "snapshot")


# ---- what reaches the page: one small build ---------------------------------------------------------

def test_the_page_shows_maths_text_as_text_and_footnote_blocks_and_alignment_validly(small_cached):
    content, photos, cache, out = small_cached
    edit(content / "sections" / COSINE, "::: similarities\n", "::: similarities\n\n"
         "Compare $\\text{a<b & c}$ with $\\mbox{x > y}$, a note.[^blocks]\n\n"
         "| label | cosine |\n|:--|--:|\n| cat | 0.3 |\n\n"
         "[^blocks]: Two cases.\n\n    - the first\n    - the second\n\n    > and a quote\n")
    small_build(small_cached)
    page = (out / "index.html").read_text(encoding="utf-8")
    section = page[page.index('id="cosine"'):]
    section = section[:section.index("</section>")]
    space = "(?:&nbsp;|\xa0|&#x000A0;)"  # the no-break space latex2mathml writes for a space in \text
    assert re.search(f"<mtext>a&lt;b{space}&amp;{space}c</mtext>", section), section[:3000]
    assert re.search(f"<mtext>x{space}&gt;{space}y</mtext>", section) and "a<b" not in section
    assert 'class="align-left"' in section and 'class="align-right"' in section
    assert not re.search(r'\sstyle=', section)
    parser = Tags()
    parser.feed(section)
    assert parser.blocks_in_span == []
