"""Two labels side by side (issue 23, item 3): the rival figure's margin, probability gap, ratio, dimensions and
difference map recomputed in numpy from site/data against the page's attributes, its default rival (the
runner-up), one rival in the page's state (this figure's select and the occlusion map's), the temperature
changing the gap but not the margin, the first paint equal to the hydrated page, and the three "why" figures
fitting the screen at 375 and 1280 px (screenshots in artifacts/screenshots)."""
import re
import subprocess

import numpy as np
import pytest
from browser import SCREENSHOTS, add_label, show_figures
from conftest import ROOT
from test_own_photo import follow
from test_why import numpy_map, occlusion

FIGURE = "[data-testid=rival-figure]"
TOP = 6  # dimensions shown each way (why.js's TOP_DIMENSIONS)


def numpy_view(stored, photo, template, labels, tau):
    """(sims, probs) of every scored label, in double, from site/data."""
    sims = stored.texts(template, labels) @ stored.images[stored.photo_ids.index(photo)]
    p = np.exp((sims - sims.max()) / tau)
    return sims, p / p.sum()


def bar_view(page, stored):
    """The view on any page of the site: the control bar's photo, template and temperature, the address's labels,
    and the top label by numpy over the stored vectors."""
    page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
    view = page.evaluate("""() => ({
        photo: document.getElementById('bar-photo').value, template: document.getElementById('bar-template').value,
        tauIndex: Number(document.getElementById('bar-tau').value),
        labels: new URLSearchParams(location.hash.slice(1)).getAll('label') })""")
    sims, _ = numpy_view(stored, view["photo"], view["template"], view["labels"], 1.0)
    view["top"] = view["labels"][int(np.argmax(sims))]
    return view


def check_figure(page, stored, occluded=None):
    """The figure's numbers against numpy over the stored vectors; returns its attributes."""
    shown = page.evaluate(f"() => ({{ ...document.querySelector('{FIGURE}').dataset }})")
    view = bar_view(page, stored)
    tau = stored.embeddings["temperatures"][view["tauIndex"]]
    assert float(shown["tau"]) == tau and shown["photo"] == view["photo"] and shown["template"] == view["template"]
    sims, probs = numpy_view(stored, view["photo"], view["template"], view["labels"], tau)
    i, j = view["labels"].index(shown["label"]), view["labels"].index(shown["rival"])
    assert float(shown["margin"]) == pytest.approx(sims[i] - sims[j], abs=1e-6)
    assert float(shown["gap"]) == pytest.approx(probs[i] - probs[j], abs=1e-6)
    assert float(shown["logit"]) == pytest.approx((sims[i] - sims[j]) / tau, abs=1e-6 / tau)
    assert float(shown["ratio"]) == pytest.approx(probs[i] / probs[j], rel=1e-4)  # exp(margin / tau) = p / p
    # the dimensions: photo * (label - rival), the largest each way, and what all of them add up to
    image = stored.images[stored.photo_ids.index(view["photo"])]
    text, rival = stored.texts(view["template"], [shown["label"], shown["rival"]])
    products = image * (text - rival)
    assert products.sum() == pytest.approx(float(shown["margin"]), abs=1e-6)
    order = np.argsort(-products, kind="stable")
    bars = page.eval_on_selector_all("#rival-bars g[data-dim]",
                                     "gs => gs.map(g => [+g.dataset.dim, g.dataset.favours])")
    assert [d for d, side in bars if side == "label"] == [int(d) for d in order[:TOP] if products[d] > 0]
    assert [d for d, side in bars if side == "rival"] == [int(d) for d in order[::-1][:TOP] if products[d] < 0]
    sentence = page.text_content("#rival-sentence")
    assert f"p(“{shown['label']}”) − p(“{shown['rival']}”)" in sentence
    assert f"{abs(sims[i] - sims[j]):.4f} in cosine" in sentence
    assert page.text_content("#rival-table tbody tr:last-child td:last-child") == f"{float(shown['margin']):.5f}"
    if occluded is not None:  # the difference map: the label's drop minus the rival's, cell by cell
        page.wait_for_selector("#rival-map[data-state=ready]", timeout=15000)
        cells = page.eval_on_selector_all("#rival-map [data-row]", "els => els.map(e => "
                                          "[+e.dataset.row, +e.dataset.col, +e.dataset.value])")
        expected = numpy_map(stored, occluded, view["photo"], view["template"], shown["label"], shown["rival"])
        assert len(cells) == len(expected) == 49
        for row, col, value in cells:
            assert value == pytest.approx(expected[row * 7 + col], abs=1e-4)
    return shown, view, sims


def runner_up(view, sims, label):
    """The best-scoring other label (numpy)."""
    others = [(s, k) for k, s in enumerate(sims) if view["labels"][k] != label]
    return view["labels"][max(others, key=lambda o: (o[0], -o[1]))[1]]


def test_the_rival_figure_follows_every_control(open_page, server):
    view = "photo=rocket&template=itap&label=cat&label=rocket&label=violin&label=dog"
    page, _ = open_page(f"vectors.html#{view}")  # the figure's page; the control bar drives it
    stored = server[2]
    _, occluded = occlusion(stored.out)
    show_figures(page, "rival")
    shown, view, sims = check_figure(page, stored, occluded)
    # by default: the top label against the runner-up
    assert shown["label"] == view["top"] and shown["rival"] == runner_up(view, sims, view["top"])
    assert page.input_value("[data-testid=rival-select]") == shown["rival"]
    # the temperature changes the gap, never the margin
    page.locator("#bar-tau").focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    show_figures(page, "rival")
    page.wait_for_selector(f"{FIGURE}:not([data-tau='{shown['tau']}'])")
    warmer, _, _ = check_figure(page, stored)
    assert warmer["margin"] == shown["margin"] and float(warmer["tau"]) > float(shown["tau"])
    assert abs(float(warmer["gap"]) - float(shown["gap"])) > 1e-3
    # any label of the view is a rival, one a link added too; the occlusion map's second label (occlusion.html,
    # reached by the site map's link, the view carried) is the same one
    page, _ = open_page("vectors.html#photo=rocket&template=itap&label=cat&label=rocket&label=violin&label=dog"
                        "&label=tabby+cat")
    show_figures(page, "rival")
    page.wait_for_selector("[data-testid=rival-select] option[value='tabby cat']", state="attached", timeout=15000)
    page.select_option("[data-testid=rival-select]", "tabby cat")
    page.wait_for_selector(f"{FIGURE}[data-rival='tabby cat']")
    check_figure(page, stored, occluded)
    page.select_option("[data-testid=rival-label-select]", "violin")  # the label the "why" figures explain
    follow(page, "occlusion.html")
    show_figures(page, "saliency")
    page.wait_for_selector("[data-testid=saliency-figure][data-rival='tabby cat']")
    assert page.input_value("[data-testid=saliency-rival-select]") == "tabby cat"
    page.select_option("[data-testid=saliency-rival-select]", "")     # no second label there: the runner-up here
    follow(page, "vectors.html")
    show_figures(page, "rival")
    shown, view, sims = check_figure(page, stored, occluded)
    assert shown["label"] == "violin" and shown["rival"] == runner_up(view, sims, "violin")
    # the photo and the template, from the control bar
    page.select_option("#bar-photo", "coins")
    page.select_option("#bar-template", "ensemble")
    show_figures(page, "rival")
    page.wait_for_selector(f"{FIGURE}[data-photo=coins][data-template=ensemble]")
    check_figure(page, stored, occluded)


def test_a_live_label_as_rival_and_the_readers_photo(open_page):
    page, _ = open_page("#label=cat&label=dog&label=pizza")
    page.click("[data-testid=live-start]")
    page.locator("[data-testid=live-status]", has_text="Live mode is on").wait_for(timeout=120000)
    live = "a cat wearing sunglasses"
    add_label(page, live)
    page.wait_for_selector(f'#label-rows tr[data-label="{live}"][data-state=ready][data-live=true]', timeout=60000)
    page.set_input_files("[data-testid=own-photo-input]", str(next((ROOT / "photos").glob("coffee.*"))))
    page.wait_for_selector("input[name=photo][data-own]:checked", timeout=120000)
    rows = page.eval_on_selector_all("#label-rows tr[data-state=ready]", "rs => rs.map(r => [r.dataset.label, "
                                     "+r.dataset.sim, +r.dataset.prob])")  # the core article's table, own photo
    sims, probs = ({label: row[k] for label, *row in rows} for k in (0, 1))
    # the figure's page (vectors.html) by the site map's link: the photo kept for the tab, the live label re-embedded
    follow(page, "vectors.html")
    show_figures(page, "rival")
    page.wait_for_selector(f'[data-testid=rival-select] option[value="{live}"]', state="attached", timeout=120000)
    page.select_option("[data-testid=rival-select]", live)
    page.wait_for_selector(f'{FIGURE}[data-rival="{live}"][data-photo^="own:"]', timeout=30000)
    shown = page.evaluate(f"() => ({{ ...document.querySelector('{FIGURE}').dataset }})")
    assert float(shown["margin"]) == pytest.approx(sims[shown["label"]] - sims[live], abs=1e-6)
    assert float(shown["gap"]) == pytest.approx(probs[shown["label"]] - probs[live], abs=1e-6)
    # the photo's own map, once live mode has embedded its occluded copies: the occlusion map's, as the rival is one
    page.wait_for_selector("#rival-map[data-state=ready]", timeout=120000)
    read = "els => els.map(e => +e.dataset.value)"
    mine = page.eval_on_selector_all("#rival-map [data-row]", read)
    follow(page, "occlusion.html")
    page.locator("#saliency").scroll_into_view_if_needed()
    page.wait_for_selector(f'[data-testid=saliency-figure][data-state=ready][data-rival="{live}"][data-photo^="own:"]',
                           timeout=120000)
    theirs = page.eval_on_selector_all("[data-testid=saliency-figure] [data-row]", read)
    assert len(mine) == 49 and np.abs(np.array(mine) - np.array(theirs)).max() <= 1e-6


def test_one_label_has_no_rival(open_page):
    page, _ = open_page("vectors.html#label=cat")  # the figure's page
    show_figures(page, "rival")
    page.wait_for_selector(f"{FIGURE}[data-rival='']:not([data-margin])", state="attached")
    assert page.is_visible("#rival-none") and page.is_hidden("#rival-body")


READ = """() => {
  const figure = document.querySelector('[data-testid=rival-figure]');
  const text = (sel) => figure.querySelector(sel).textContent;
  return {
    label: figure.dataset.label, rival: figure.dataset.rival, margin: +figure.dataset.margin, gap: +figure.dataset.gap,
    sentence: text('#rival-sentence'), summary: text('#rival-summary'), note: text('#rival-map-note'),
    ticks: [...figure.querySelectorAll('.saliency-tick')].map((t) => t.textContent),
    heads: [...figure.querySelectorAll('#rival-table th')].map((th) => th.textContent),
    table: [...figure.querySelectorAll('#rival-table tbody tr')]
      .map((tr) => [...tr.children].map((c) => c.textContent)),
    bars: [...figure.querySelectorAll('#rival-bars g')].map((g) => [g.dataset.dim, g.dataset.favours,
      g.querySelector('text').textContent,
      ...['x', 'y', 'width'].map((k) => +g.querySelector('rect').getAttribute(k))]),
    cells: [...figure.querySelectorAll('#rival-map [data-row]')].map((r) => [+r.dataset.row, +r.dataset.col,
      +r.dataset.value, r.getAttribute('fill')]),
  };
}"""


def test_the_first_paint_is_the_hydrated_figure(server):
    """Without JavaScript the build's figure (top label against the runner-up) reads as the page computes it."""
    browser, url, stored = server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url + "vectors.html")  # the figure's page
    static = page.evaluate(READ)
    context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url + "vectors.html")
    page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
    show_figures(page, "rival")
    page.wait_for_selector("#rival-map[data-state=ready]", timeout=15000)
    page.wait_for_selector("#rival-select option", state="attached")  # the script has drawn it
    hydrated = page.evaluate(READ)
    context.close()
    assert static["rival"] and len(static["cells"]) == 49 and len(static["bars"]) >= 2
    for key in ("margin", "gap"):
        assert hydrated[key] == pytest.approx(static[key], abs=1e-12), key
    for (*where, value, colour), (*where2, value2, colour2) in zip(static["cells"], hydrated["cells"], strict=True):
        assert where == where2 and colour == colour2 and value == pytest.approx(value2, abs=1e-12)
    for key in ("label", "rival", "sentence", "summary", "note", "ticks", "heads", "table", "bars"):
        assert static[key] == hydrated[key], (key, static[key], hydrated[key])


@pytest.mark.parametrize("width", [375, 1280])
def test_the_why_figures_fit_the_screen(open_page, width):
    """The occlusion map, the dot product and the two labels: nothing wider than its box, at both widths."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for file, widget, ready in (("occlusion.html", "saliency", "[data-testid=saliency-figure][data-state=ready]"),
                                ("vectors.html", "dot", "[data-testid=dot-figure][data-cosine]"),
                                ("vectors.html", "rival", "#rival-map[data-state=ready]")):
        page, _ = open_page(file, width=width, height=812)  # each figure on its page
        show_figures(page, widget)
        page.wait_for_selector(ready, timeout=15000)
        page.evaluate("(id) => document.querySelectorAll(`#${id} details`).forEach((d) => { d.open = true; })", widget)
        overflow = page.evaluate("""(id) => [document.getElementById(id), ...document.getElementById(id)
            .querySelectorAll('figure, .why-controls, .rival-parts, .rival-part, svg, p')]
            .filter((el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible'
              && el.clientWidth > 0).map((el) => `${el.tagName}#${el.id}.${el.className.baseVal ?? el.className}`
              + ` ${el.scrollWidth} > ${el.clientWidth}`)""", widget)
        assert not overflow, (widget, width, overflow)
        box = page.locator(f"#{widget}").bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= width, (widget, box)
        page.evaluate("(id) => document.querySelectorAll(`#${id} details`).forEach((d) => { d.open = false; })", widget)
        page.locator(f"#{widget}").scroll_into_view_if_needed()
        page.locator(f"#{widget}").screenshot(path=str(SCREENSHOTS / f"why-{widget[:-len('-widget')]}-{width}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_rules_in_node():
    result = subprocess.run(["node", "--test", str(ROOT / "tests" / "rival_in_node.mjs")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"^# pass 4$", result.stdout, re.M) and re.search(r"^# fail 0", result.stdout, re.M)
