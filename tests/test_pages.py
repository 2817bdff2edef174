"""The site as a core article plus deep-dive pages (issue 32, section 5): a section's `page:` puts it in <page>.html,
figures are numbered across the site (the core article first), a link to an id on another page is written as that
page's address, each page names the page of every id a link may name, and bad `page:` values or links to ids that
no page holds stop the build with the file and line."""
import json
import re

import pytest
from conftest import ROOT, small_build

from explainer.check import broken_references
from explainer.errors import BuildError

CORE = "index.html"
MAX_CORE_FIGURES = 12  # issue 32: the core article keeps at most 12 figures


def pages_of(out):
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(out.glob("*.html"))}


def figure_ids(html):
    return re.findall(r'\sid="(figure-\d+)"', html)


def section_pages(content):
    """{section id: the file its front matter puts it in}, read from the Markdown independently of the build."""
    where = {}
    for path in sorted((content / "sections").glob("*.md")):
        front = path.read_text(encoding="utf-8").split("---")[1]
        meta = dict(line.split(":", 1) for line in front.strip().splitlines() if ":" in line)
        page = meta.get("page", "").strip()
        where[meta["id"].strip()] = f"{page}.html" if page else CORE
    return where


def test_every_section_lands_on_its_page_and_figures_are_numbered_across_the_site(site):
    out, _ = site
    pages = pages_of(out)
    where = section_pages(ROOT / "content")
    assert set(where.values()) <= set(pages) and len(set(where.values())) >= 2
    for section_id, file in where.items():
        holders = [name for name, html in pages.items() if f'<section id="{section_id}"' in html]
        assert holders == [file], section_id
    # Figure N is on exactly one page; numbers run 1..n, the core article's first
    numbered = {name: figure_ids(html) for name, html in pages.items()}
    every = [n for ids in numbered.values() for n in ids]
    assert sorted(every) == sorted(f"figure-{n}" for n in range(1, len(every) + 1))
    core = [int(i.split("-")[1]) for i in numbered[CORE]]
    assert core == list(range(1, len(core) + 1)) and 0 < len(core) <= MAX_CORE_FIGURES


def test_links_across_pages_resolve_and_each_page_names_where_its_ids_live(site):
    out, _ = site
    pages = pages_of(out)
    assert broken_references(out) == []  # every vectors.html#figure-12 reaches its element
    for name, html in pages.items():
        ids = set(re.findall(r'\sid="([^"]+)"', html))
        for href in re.findall(r'\shref="#([^"]+)"', html):
            assert href in ids, (name, href)  # a bare anchor is on its own page, else it was rewritten
        where = json.loads(re.search(r'<script type="application/json" id="page-ids">([^<]*)</script>', html)[1])
        for element_id, file in where.items():
            assert re.search(rf'\sid="{re.escape(element_id)}"', pages[file]), (element_id, file)
        for other, other_html in pages.items():
            for figure in figure_ids(other_html):
                assert where.get(figure) == other, (name, figure)  # old #figure-N links can be forwarded


def test_each_page_has_its_own_title_a_way_back_and_the_works_it_cites(site):
    out, _ = site
    pages = pages_of(out)
    titles = [re.search(r"<title>([^<]*)</title>", html)[1] for html in pages.values()]
    assert len(set(titles)) == len(titles)
    for name, html in pages.items():
        if name != CORE:
            assert 'data-testid="back-to-core"' in html and "deep dive" in re.search(r"<title>([^<]*)", html)[1]
        assert 'aria-current="page"' in html  # the site map marks the page being read
        cited = set(re.findall(r'class="cite-link" href="#ref-([^"]+)"', html))
        listed = set(re.findall(r'<li id="ref-([^"]+)"', html))
        assert cited == listed, name


def write_section(content, name, text):
    (content / "sections" / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("page", ["Vectors", "index", "a b", "1st", "x" * 41, "[1, 2]"])
def test_a_bad_page_slug_is_refused_with_its_line(small, page):
    content = small[0]
    write_section(content, "90-extra.md", f"---\nid: extra\ntitle: Extra\npage: {page}\n---\nText.\n")
    with pytest.raises(BuildError) as caught:
        small_build(small)
    assert "90-extra.md:4" in str(caught.value) and "page" in str(caught.value)


def test_a_link_to_an_id_no_page_holds_is_refused_with_its_line(small):
    content = small[0]
    write_section(content, "90-extra.md", "---\nid: extra\ntitle: Extra\npage: extra\n---\nFine ([Step 3](#cosine)).\n"
                  "See [there](#no-such-place).\n")
    with pytest.raises(BuildError) as caught:
        small_build(small)
    assert "90-extra.md:7" in str(caught.value) and "no-such-place" in str(caught.value)


def test_a_new_page_of_two_sections_links_both_ways(small):
    content = small[0]
    write_section(content, "90-extra.md",
                  "---\nid: extra\ntitle: Extra\npage: extra\n---\nBack to [Step 3](#cosine).\n")
    write_section(content, "91-more.md", "---\nid: more\ntitle: More\npage: extra\n---\nAbove: [extra](#extra).\n")
    small_build(small)
    pages = pages_of(small[3])
    assert 'href="index.html#cosine"' in pages["extra.html"] and 'href="#extra"' in pages["extra.html"]
    assert pages["extra.html"].index('id="extra"') < pages["extra.html"].index('id="more"')  # file order
    assert "<title>Extra · deep dive" in pages["extra.html"]
    assert 'href="extra.html"' in pages[CORE]  # the site map lists the new page
