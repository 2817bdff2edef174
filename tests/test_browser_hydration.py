"""Issue 14, instant on a phone: every figure paints first from the build's SVG of the default view; a
live Vega view (and the Vega runtime) comes only when the figure nears the screen; a figure scrolled to
after changes at the top shows the current numbers; the DOM stays small at load; photos come as
<picture> with WebP (and AVIF) sources that exist. Counts and states only, no timings."""
import re

import numpy as np
from browser import bar_view, choose_in_bar, show_chart, show_figures

PHONE = dict(width=375, height=800)
# about 1,850 at load: the occlusion map's 49 cells and the dot product's first paint, the two-label figure's (its
# map's 49 cells, 12 bars and 14-row table: about 230), 34 numbered figure frames, citation cards and the
# bibliography (it was 4,167 before the figures were drawn from static SVGs); about 230 more for the overview's two
# inline SVGs (wide and narrow, each 13 linked boxes; its strips are one path per colour); about 120 more since
# issue 32 (the occlusion map's readout and marker, the two-label figure's projection and rotation, the dot
# figure's axis titles, the tokens figure's split word, the label box's hint, the links' places): 2,233 measured
MAX_ELEMENTS_AT_LOAD = 2300
# issue 32 section 5: the figures are spread over the core article and deep-dive pages; each page is bounded alike
CORE, SPACE, VECTORS = "index.html", "space.html", "vectors.html"


def chart_states(page):
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-chart]')].map(el => [
        el.dataset.chart, { view: el.dataset.view, canvas: !!el.querySelector('canvas'),
                            svg: el.querySelector('img.chart-static')?.getAttribute('src') ?? null }]))""")


def test_far_figures_are_static_until_scrolled_to(open_page, server):
    _, _, stored = server
    page, _ = open_page(CORE, **PHONE)
    page.wait_for_selector("body[data-charts=drawn]", timeout=10000)
    states = chart_states(page)
    # the core article's charts are thousands of pixels below a phone's first screen: their build SVG, no view
    for name in ["similarities", "probabilities"]:
        assert states[name] == {"view": "static", "canvas": False, "svg": f"charts/{name}.svg"}, name
    assert page.evaluate("typeof globalThis.vega") == "undefined"  # nothing near needs the runtime yet
    for name, state in states.items():  # every figure shows something: its SVG, or its live view
        assert state["svg"] or state["canvas"], name
        if state["svg"]:
            assert (stored.out / state["svg"]).is_file()
    # the SVGs themselves load (same origin, allowed by the CSP): those near the first screen at once, the far
    # ones lazily, when the reader comes near them (each is a document the browser parses on the main thread)
    images = page.evaluate("""() => [...document.querySelectorAll('img.chart-static')].map((img) => ({
        src: img.getAttribute('src'), lazy: img.loading === 'lazy', loaded: img.complete && img.naturalWidth > 0,
        far: img.getBoundingClientRect().top > 3 * innerHeight }))""")
    assert all(image["lazy"] for image in images), images
    assert all(image["loaded"] for image in images if not image["far"]), images
    assert not any(image["loaded"] for image in images if image["src"].endswith("probabilities.svg")), images

    show_chart(page, "similarities")  # scrolling to a figure hydrates it
    states = chart_states(page)
    assert states["similarities"] == {"view": "live", "canvas": True, "svg": None}
    assert states["probabilities"]["view"] == "static"  # still far below

    page, _ = open_page(SPACE, **PHONE)  # a deep-dive page: its last figure waits, not computed, until it comes near
    page.wait_for_selector("body[data-charts=drawn]", timeout=10000)
    assert chart_states(page)["gap"]["view"] == "static"
    assert page.evaluate("document.getElementById('gap').dataset.stale") == "true"
    show_chart(page, "gap")
    assert chart_states(page)["gap"] == {"view": "live", "canvas": True, "svg": None}


def test_a_figure_scrolled_to_after_changes_shows_the_current_view(open_page, server):
    _, _, stored = server
    page, _ = open_page(SPACE, **PHONE)
    page.click("#bar-toggle")  # a phone's control bar opens at the bottom
    choose_in_bar(page, photo="rocket", template="ensemble")
    page.locator("#bar-tau").focus()
    page.keyboard.press("ArrowRight")
    page.click("#bar-toggle")
    view = bar_view(page, stored)
    assert page.evaluate("document.querySelector('[data-chart=gap]').dataset.view") == "static"
    assert page.evaluate("document.getElementById('gap').dataset.stale") == "true"
    show_figures(page, "gap")
    show_chart(page, "gap")
    assert [row for row in page.evaluate("""() => [...document.querySelectorAll('#gap-table tbody tr th')].map(
        (th) => th.textContent)""")][-len(view["labels"]):] == view["labels"]
    # the matrix holds the rocket row as the current photo and the current labels
    show_figures(page, "matrix")
    show_chart(page, "matrix")
    current = page.evaluate("document.querySelector('#matrix-table tr[aria-current=true] th').textContent")
    assert current == next(p["title"] for p in stored.embeddings["photos"] if p["id"] == "rocket")
    values = page.evaluate("""() => [...document.querySelectorAll('#matrix-table tbody tr')].map(
        tr => [...tr.querySelectorAll('td')].map(td => Number(td.dataset.value)))""")
    expected = [stored.view(photo, "ensemble", view["labels"], view["tau"])[0] for photo in stored.photo_ids]
    np.testing.assert_allclose(values, expected, atol=1e-4)


def test_the_dom_is_small_at_load_and_vector_tables_are_built_when_opened(open_page, server):
    _, _, stored = server
    for name in [CORE, *sorted(p.name for p in stored.out.glob("*.html") if p.name != CORE)]:
        page, _ = open_page(name, **PHONE)
        page.wait_for_selector("body[data-charts=drawn]", timeout=10000)
        count = page.evaluate("document.getElementsByTagName('*').length")
        assert count <= MAX_ELEMENTS_AT_LOAD, (name, count)
    page, _ = open_page(VECTORS, **PHONE)
    page.wait_for_selector("body[data-charts=drawn]", timeout=10000)
    assert page.evaluate("document.getElementById('image-vector-table')") is None
    show_figures(page, "image-vector-figure")
    page.click("#image-vector-details summary")
    page.wait_for_selector("#image-vector-table tbody tr", state="attached", timeout=10000)
    rows = page.evaluate("document.querySelectorAll('#image-vector-table tbody tr').length")
    assert rows == stored.dim
    # the no-JS reader's copy is in the <noscript> of the page as served
    html = (stored.out / VECTORS).read_text(encoding="utf-8")
    noscript = html.split('id="image-vector-details"')[1].split("</noscript>")[0]
    assert len(re.findall(r'<tr><th scope="row">\d+</th>', noscript)) == stored.dim


def test_photos_are_pictures_with_webp_sources_that_exist(open_page, server):
    _, _, stored = server
    page, _ = open_page(CORE, **PHONE)
    # photos' pictures (a heatmap's <picture class="chart-picture"> holds its narrow SVG: test_browser_phone_axes.py)
    sources = page.evaluate("""() => [...document.querySelectorAll('picture:not(.chart-picture) source')].map(
        s => ({ type: s.type, srcset: s.srcset, img: !!s.parentElement.querySelector('img') }))""")
    webp = [s for s in sources if s["type"] == "image/webp"]
    assert len(webp) == 1 + len(stored.photo_ids)  # the current photo and each choice
    for source in sources:
        assert source["img"]
        for candidate in source["srcset"].split(","):
            path = candidate.strip().split(" ")[0]
            assert (stored.out / path).is_file(), path
            assert (stored.out / path).suffix in (".webp", ".avif")
    page.click("label.photo-choice:has(input[value=rocket])")
    current = page.evaluate("document.querySelector('#current-picture source[type=\"image/webp\"]').srcset")
    assert "rocket-" in current
    # currentSrc follows the new srcset once the browser has picked a candidate (asynchronously): a bounded wait
    page.wait_for_function("() => document.getElementById('current-photo').currentSrc.includes('rocket-')",
                           timeout=10_000)
