"""Numbered figures, {fig:name} cross-references, [@key] citations and the bibliography (issue 24, items 3-4):
an author's mistake stops the build at its file and line; the built page numbers what the content says."""
import re
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from conftest import ROOT, site_html, site_pages, small_build
from test_authoring import filled_cache, line_of, small_cached  # noqa: F401  (fixtures)
from test_bad_input import edit, snapshot_of

from explainer import data
from explainer.errors import BuildError
from explainer.references import read_references

WHY, ENCODERS, GAP = "29-why.md", "01-two-encoders.md", "31-modality-gap.md"


def unknown_citation_key(content):
    path = content / "sections" / ENCODERS
    edit(path, "[@radford2021]", "[@radford2012]")
    words = ["unknown citation key '@radford2012'", "did you mean '@radford2021'?"]
    return path, line_of(path, "[@radford2012]"), words


def second_unknown_key_in_one_citation(content):
    path = content / "sections" / GAP
    edit(path, "[@liang2022]", "[@liang2022; @nobody1999]")
    return path, line_of(path, "@nobody1999"), ["unknown citation key '@nobody1999'"]


def unused_reference(content):
    path = content / "references.bib"
    path.write_text(path.read_text() + "\n@misc{unused2020,\n  author = {Nobody, A.},\n  title = {Never cited},\n"
                    "  year = {2020}\n}\n")
    return path, line_of(path, "@misc{unused2020,"), ["reference 'unused2020' is never cited"]


def unknown_figure(content):
    path = content / "sections" / GAP
    edit(path, "{fig:gap}", "{fig:gapp}")
    return path, line_of(path, "{fig:gapp}"), ["unknown figure '{fig:gapp}'", "closest: {fig:gap}", "figures:"]


def figures_file_unknown_widget(content):
    path = content / "figures.yaml"
    edit(path, "matrix: {", "matrx: {")
    return path, line_of(path, "matrx"), ["unknown widget 'matrx'", "did you mean 'matrix'?"]


def bibtex_entry_without_year(content):
    path = content / "references.bib"
    edit(path, "  year = {2014},\n", "")
    return path, line_of(path, "@inproceedings{zeiler2014,"), ["reference 'zeiler2014' needs a year field"]


CASES = [unknown_citation_key, second_unknown_key_in_one_citation, unused_reference, unknown_figure,
         figures_file_unknown_widget, bibtex_entry_without_year]


@pytest.mark.parametrize("breaker", CASES, ids=[case.__name__ for case in CASES])
def test_each_mistake_names_file_and_line(small_cached, breaker):  # noqa: F811
    content, photos, cache, out = small_cached
    small_build(small_cached)
    before = snapshot_of(out)
    path, line, words = breaker(content)
    with pytest.raises(BuildError) as caught:
        small_build(small_cached)
    error = caught.value
    assert (error.path, error.line) == (path, line), str(error)
    for word in words:
        assert word in error.message, f"{word!r} not in {error.message!r}"
    assert snapshot_of(out) == before  # the previous site stays whole


def test_the_bibliography_is_read_by_pybtex_with_links():
    refs = read_references(ROOT / "content" / "references.bib")
    assert refs["radford2021"].link == "https://arxiv.org/abs/2103.00020"
    assert refs["liang2022"].link == "https://arxiv.org/abs/2203.02053"
    assert refs["zeiler2014"].link == "https://arxiv.org/abs/1311.2901"
    assert refs["goh2021"].link == "https://doi.org/10.23915/distill.00030"
    notebook = "github.com/openai/CLIP/blob/main/notebooks/Prompt_Engineering_for_ImageNet.ipynb"
    assert refs["openai2021prompts"].link == f"https://{notebook}"
    assert refs["zeiler2014"].authors == "Matthew D. Zeiler and Rob Fergus"
    assert refs["openai2021prompts"].authors == "OpenAI"  # braces kept it one name


def test_figures_are_numbered_in_page_order_and_references_resolve(site):
    out, _ = site
    html = site_html(out)  # the pages in reading order: the core article first (issue 32 section 5)
    frames = re.findall(r'<div class="numbered-figure" id="figure-(\d+)" data-figure="([a-z0-9-]+)"', html)
    order = {name: rank for rank, name in enumerate(site_pages(out))}
    page_of = lambda text: f"{m[1]}.html" if (m := re.search(r"^page: (\S+)$", text, re.M)) else "index.html"  # noqa: E731
    paths = sorted(sorted((ROOT / "content" / "sections").glob("*.md")), key=lambda p: order[page_of(p.read_text())])
    widget_lines = [line[4:].strip() for path in paths
                    for line in path.read_text().splitlines() if re.match(r"^::: [a-z0-9-]+$", line)]
    assert [name for _, name in frames] == widget_lines  # every widget line, in order
    assert [int(n) for n, _ in frames] == list(range(1, len(widget_lines) + 1))
    number = {name: int(n) for n, name in frames}
    refs = re.findall(r'<a class="figure-ref" href="(?:[a-z-]+\.html)?#figure-(\d+)">Figure&nbsp;(\d+)</a>', html)
    assert len(refs) >= 5 and all(a == b for a, b in refs)
    assert f'#figure-{number["matrix"]}"' in html  # {fig:matrix}: the matrix's one name
    cited = re.findall(r'<a class="cite-link" href="#ref-([\w-]+)"[^>]*>(\d+)</a>', html)
    order = list(dict.fromkeys(key for key, _ in cited))
    assert {key: int(n) for key, n in cited} == {key: i + 1 for i, key in enumerate(order)}  # first use = 1, 2, ...
    assert set(order) == set(read_references(ROOT / "content" / "references.bib"))


def test_build_py_alone_takes_the_last_commits_date(monkeypatch):
    """make build sets SOURCE_DATE_EPOCH to the last commit's time; build.py alone must land on the same date."""
    epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True).stdout
    if not epoch.strip():
        pytest.skip("not a git checkout")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    alone = data.build_time()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch.strip())
    assert alone == data.build_time() == datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d")


def test_without_git_the_date_is_today(monkeypatch, tmp_path):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setattr(data, "PROJECT_ROOT", tmp_path)  # no repository here
    assert data.build_time() == datetime.now(UTC).strftime("%Y-%m-%d")


def test_build_py_and_make_give_the_same_bytes(small, monkeypatch):
    """The same small build twice: once as `make build` runs it (SOURCE_DATE_EPOCH from git), once as
    `python build.py` alone (no SOURCE_DATE_EPOCH)."""
    epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True).stdout
    if not epoch.strip():
        pytest.skip("not a git checkout")
    content, photos, cache, out = small
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch.strip())
    small_build(small)
    shutil.move(out, out.parent / "as-make")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    small_build(small)
    for page in ("index.html",):
        assert (out / page).read_bytes() == (out.parent / "as-make" / page).read_bytes()


def test_the_teaching_fixes_are_on_the_page(site):
    out, report = site
    html = site_html(out)  # the core article and its deep dives
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    shape = report.model.shape
    tokens = (shape.image_size // shape.patch_size) ** 2 + 1  # the patches and the class token
    assert f"{tokens} tokens in all" in text and "class token" in text
    assert "divided by its own length again before the dot product" in text  # the ensemble's mean, renormalised
    assert "only when asked to, with truncation=True" in text and "without a word" not in text
    assert "stand-in stand-in" not in text and "ViT-L/14@336px" in text
    assert "Embed slides, receipts or charts and search them by meaning" not in text
    assert "orange line" not in text and "CLIP's trained τ = 0.01" in text
