"""The training objective figure in Chromium (issue 34, section 1): it follows the temperature (its own slider, by
keyboard) and a swapped caption, every cell and loss as numpy computes them from the stored vectors (1e-6); it and
the deep dive's other figures fit the screen at 375 and 1280 px; it says what live mode adds, or that the build has
none."""
import json

import pytest
from browser import decode, show_figures
from test_objective import numpy_objective

PAGE = "numbers.html"  # the deep-dive page "What the numbers mean"
TOLERANCE = 1e-6

READ = """() => {
    const root = document.querySelector('[data-testid=objective-figure]');
    const cells = [...root.querySelectorAll('td[data-logit]')].map((td) => ({ ...td.dataset }));
    const captions = [...root.querySelectorAll('th[data-caption]')].map((th) => th.dataset.caption);
    return { figure: { ...root.dataset }, cells, captions };
}"""


def check_against_numpy(shown, images, captions, tau):
    logits = images @ captions.T / tau
    expected = numpy_objective(logits)
    assert float(shown["figure"]["tau"]) == pytest.approx(tau, rel=1e-12)
    for key, name in (("loss", "loss"), ("lossImage", "loss_image"), ("lossText", "loss_text")):
        assert abs(float(shown["figure"][key]) - expected[name]) < TOLERANCE, key
    assert len(shown["cells"]) == len(images) ** 2
    for c in shown["cells"]:
        i, j = int(c["row"]), int(c["col"])
        assert abs(float(c["logit"]) - logits[i, j]) < TOLERANCE * max(1, abs(logits[i, j]))
        assert abs(float(c["pRow"]) - expected["p_row"][i, j]) < TOLERANCE
        assert abs(float(c["pCol"]) - expected["p_col"][i, j]) < TOLERANCE
        assert abs(float(c["grad"]) - expected["grad"][i, j]) < TOLERANCE


def test_the_figure_follows_the_temperature_and_a_swapped_caption(open_page, server):
    page, watcher = open_page(PAGE)
    stored = server[2]
    batch = json.loads((stored.out / "data" / "objective.json").read_text())
    captions = decode(batch["vectors"], stored.dim)
    temperatures = stored.embeddings["temperatures"]
    show_figures(page, "objective")
    # what live mode would add (a caption of any text), or that this build has none
    said = page.text_content("#objective .objective-controls")
    built_with_live = (stored.out / "live" / "manifest.json").exists()
    assert ("one click" in said) if built_with_live else ("built without live mode" in said)
    assert page.locator("#objective-typed").count() == int(built_with_live) and not page.is_visible("#objective-typed")
    slider = page.locator("#objective-tau")
    start = int(slider.input_value())
    slider.focus()
    page.keyboard.press("ArrowRight")  # the keyboard moves the figure's own temperature, the page's one
    tau = temperatures[start + 1]
    page.wait_for_function(f"() => document.querySelector('#objective').dataset.tau === '{tau}'", timeout=10000)
    check_against_numpy(page.evaluate(READ), stored.images, captions, tau)
    assert page.locator("#bar-tau").input_value() == str(start + 1)  # one temperature on the page

    # the coffee's caption becomes the label "dog" under the chosen template
    page.select_option("#objective-photo", "coffee")
    page.select_option("#objective-caption", "dog")
    template = page.evaluate("() => document.getElementById('bar-template')?.value") or "photo"
    page.wait_for_function("() => document.querySelector('#objective th[data-col=\"1\"]').dataset.caption"
                           " !== " + json.dumps(batch["captions"][1]), timeout=10000)
    shown = page.evaluate(READ)
    text = next(t for t in stored.embeddings["templates"] if t["id"] == template)["text"]
    assert shown["captions"][1] == text.replace("{label}", "dog")
    swapped = captions.copy()
    swapped[1] = stored.texts(template, ["dog"])[0]
    check_against_numpy(shown, stored.images, swapped, tau)
    page.select_option("#objective-caption", "")  # its own alt text again
    page.wait_for_function("() => document.querySelector('#objective th[data-col=\"1\"]').dataset.caption === "
                           + json.dumps(batch["captions"][1]), timeout=10000)
    watcher.check()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_deep_dives_figures_fit_the_screen(open_page, width):
    page, watcher = open_page(PAGE, width=width)
    for figure in ("objective", "score", "centre"):
        show_figures(page, figure)
        box = page.evaluate(f"""() => {{
            const r = document.getElementById('{figure}').getBoundingClientRect();
            return {{ left: r.left, right: r.right, page: document.documentElement.scrollWidth, width: innerWidth }};
        }}""")
        assert box["left"] >= 0 and box["right"] <= box["width"] + 0.5, (figure, box)
        assert box["page"] <= box["width"], (figure, box)  # a wide table scrolls inside its own box
    watcher.check()


def test_without_javascript_the_first_paint_is_the_default_batch(server):
    browser, url, stored = server
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(url + PAGE)
    page.wait_for_load_state("load")
    page.locator("#objective").scroll_into_view_if_needed()
    shown = page.evaluate(READ)
    batch = json.loads((stored.out / "data" / "objective.json").read_text())
    assert shown["captions"] == batch["captions"]  # the photos' alt texts
    tau = stored.embeddings["temperatures"][stored.embeddings["default"]["tau_index"]]
    check_against_numpy(shown, stored.images, decode(batch["vectors"], stored.dim), tau)
    assert page.locator("#objective-table td[data-logit]").first.is_visible()
    assert not page.locator("#objective-tau").is_visible()  # the controls need the script
    context.close()
