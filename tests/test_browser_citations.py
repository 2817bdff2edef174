"""Figure anchors, cross-reference links, citation cards on hover and focus, the references section, side
notes on wide screens, and the matrix's measure kept in the link (issue 24, items 3, 4 and 6)."""
import re

from browser import show_chart
from conftest import ROOT


def test_figure_anchors_and_cross_references_land_on_their_figure(open_page):
    page, _ = open_page()
    figures = page.eval_on_selector_all(".numbered-figure", "els => els.map(e => [e.id, e.querySelector("
                                        "'.figure-number').textContent])")
    assert figures and all(fid == f"figure-{i}" and label == f"Figure {i}."
                           for i, (fid, label) in enumerate(figures, 1)), figures
    link = page.locator("a.figure-ref").first
    target = link.get_attribute("href")
    assert re.fullmatch(r"#figure-\d+", target) and link.inner_text() == f"Figure\u00a0{target.split('-')[1]}"
    link.click()
    # the address keeps the view and names the place (test_browser_links.py)
    page.wait_for_function(f"() => location.hash.endsWith('&at={target[1:]}')", timeout=5000)
    top = page.evaluate(f"document.getElementById('{target[1:]}').getBoundingClientRect().top")
    assert 0 <= top < 200, top  # the figure is at the top of the window
    page2, _ = open_page("#figure-3")
    assert 0 <= page2.evaluate("document.getElementById('figure-3').getBoundingClientRect().top") < 200


def test_a_citation_card_shows_on_hover_and_on_keyboard_focus(open_page):
    page, _ = open_page()
    cite = page.locator(".cite").first
    card = cite.locator(".cite-card")
    assert not card.is_visible()
    cite.locator("a").hover()
    assert card.is_visible() and "Learning Transferable Visual Models" in card.inner_text()
    page.mouse.move(0, 0)
    assert not card.is_visible()
    cite.locator("a").focus()  # what Tab does
    assert card.is_visible()
    described = cite.locator("a").get_attribute("aria-describedby")
    assert page.evaluate(f"document.getElementById('{described}').textContent").startswith("Alec Radford")


def test_the_references_section_lists_every_cited_work_with_its_link(open_page, server):
    """Each page lists the works it cites under their site-wide numbers; together, every entry of references.bib."""
    by_id = {}
    pages = sorted(path.name for path in server[2].out.glob("*.html"))
    for name in pages:
        page, _ = open_page(name)
        refs = page.locator("[data-testid=references] ol.bibliography > li")
        items = refs.evaluate_all("els => els.map(e => [e.id, e.value, e.textContent, "
                                  "[...e.querySelectorAll('a')].map(a => a.href)])")
        for item in items:
            assert by_id.setdefault(item[0], item) == item, name  # [N] is the same work on every page
        listed = {item[0] for item in items}
        # each citation's number is its entry's number, and its link lands on it, on this page
        for key, number in page.eval_on_selector_all(".cite-link",
                                                     "els => els.map(e => [e.dataset.cite, +e.textContent])"):
            assert f"ref-{key}" in listed and by_id[f"ref-{key}"][1] == number, (name, key)
        text = page.locator("[data-testid=references]").inner_text()
        assert "Cite this page" in text and "@misc{" in text and "How this page was made" in text
        made = page.locator("[data-testid=how-made]").inner_text()
        for words in ("torch", "transformers", "onnxruntime-web", "Vega", "python build.py --model", "fingerprint"):
            assert words in made, words
    cited = re.findall(r"^@\w+\{", (ROOT / "content" / "references.bib").read_text(), re.M)
    assert len(by_id) == len(cited) >= 5  # every entry is cited (the build refuses an uncited one)
    assert sorted(item[1] for item in by_id.values()) == list(range(1, len(cited) + 1))
    assert by_id["ref-radford2021"][1] == 1 and "2021" in by_id["ref-radford2021"][2]
    assert by_id["ref-radford2021"][3] == ["https://arxiv.org/abs/2103.00020"]
    assert by_id["ref-goh2021"][3] == ["https://doi.org/10.23915/distill.00030"]
    assert "Distill" in by_id["ref-goh2021"][2]


def test_footnotes_are_side_notes_on_wide_screens_and_a_list_on_phones(open_page):
    wide, _ = open_page(width=1440)
    assert wide.locator(".sidenote").first.is_visible()
    # the numbered list is out of sight (1 px, clipped) but stays for screen readers: the side notes are aria-hidden
    notes = wide.locator(".footnote").first
    assert notes.bounding_box()["width"] <= 1 and notes.evaluate("(el) => getComputedStyle(el).display") != "none"
    assert wide.locator(".sidenote").first.get_attribute("aria-hidden") == "true"
    box = wide.locator(".sidenote").first.bounding_box()
    main = wide.locator("main").bounding_box()
    assert box["x"] >= main["x"] + main["width"] - 20  # in the right margin, not over the text
    phone, _ = open_page(width=375)
    assert not phone.locator(".sidenote").first.is_visible() and phone.locator(".footnote").first.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_matrix_measure_is_kept_in_the_link(open_page):
    page, _ = open_page("space.html")  # the matrix's deep-dive page
    page.check("input[name=matrix-measure][value=probability]", force=True)
    page.wait_for_function("() => location.hash.includes('measure=probability')", timeout=5000)
    fragment = page.evaluate("location.hash")
    second, _ = open_page("space.html" + fragment)
    second.locator("#matrix").scroll_into_view_if_needed()  # a figure hydrates as it comes near
    second.wait_for_function("() => document.querySelector('input[name=matrix-measure][value=probability]').checked",
                             timeout=15000)
    assert second.is_checked("input[name=matrix-measure][value=probability]")
    assert second.locator("#matrix-table tbody td").first.text_content().endswith("%")
    page.check("input[name=matrix-measure][value=similarity]", force=True)
    page.wait_for_function("() => !location.hash.includes('measure=')", timeout=5000)


# The texts the live sweep chart drew, from its Vega view's scenegraph (the chart is a canvas)
SWEEP_TEXTS = """() => {
    const found = [];
    const walk = (node) => {
        for (const item of node.items ?? []) {
            if (node.marktype === 'text' && item.text !== undefined) found.push(String(item.text));
            for (const child of item.items ?? []) walk(child);
        }
    };
    walk(document.querySelector('[data-chart="sweep"]').vegaView.scenegraph().root);
    return found;
}"""


def test_the_sweep_marks_clips_trained_temperature_once_moved_away(open_page):
    page, _ = open_page("temperature.html")  # the sweep's deep-dive page
    show_chart(page, "sweep")
    assert not any("CLIP's τ" in text for text in page.evaluate(SWEEP_TEXTS))  # the current τ is CLIP's
    page.locator("#bar-tau").focus()
    page.keyboard.press("ArrowRight")
    show_chart(page, "sweep")
    page.wait_for_function(f"() => ({SWEEP_TEXTS})().some((text) => text.includes(\"CLIP's τ = 0.01\"))",
                           timeout=10000)


def test_the_gap_figure_marks_the_chosen_photo(open_page):
    page, _ = open_page("space.html#photo=coffee")  # the gap's deep-dive page
    show_chart(page, "gap")
    chosen = "() => document.querySelector('[data-chart=\"gap\"]').vegaView.data('values').filter((d) => d.chosen)" \
             ".map((d) => d.name)"
    assert page.evaluate(chosen) == ["A cup of coffee"]
    page.select_option("#bar-photo", "astronaut")
    show_chart(page, "gap")
    page.wait_for_function(f"() => ({chosen})().join() === 'Astronaut Eileen Collins'", timeout=10000)
    caption = page.text_content("#gap figcaption")
    assert "always embedded under the template “a photo of a {label}.”" in caption
