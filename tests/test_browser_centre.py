"""Centre the space (issue 34, section 3) in Chromium: the switch (keyboard) sets body[data-centred] and centred=1 in
the link, which a reload keeps; the label table, the matrix and the objective figure then hold the numbers numpy
computes from the centred, renormalised stored vectors (1e-6); the means are the build's over the photos and the
whole vocabulary (checked against numpy within float16 rounding); off again, the numbers are the trained space's."""
import json

import numpy as np
from browser import decode, page_view, show_figures
from test_browser_objective import check_against_numpy
from test_objective import numpy_objective

PAGE = "numbers.html"  # the deep-dive page "What the numbers mean"
TOLERANCE = 1e-6


def unit(rows):
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def test_the_switch_centres_every_number_and_stays_in_the_link(open_page, server):
    stored = server[2]
    means = json.loads((stored.out / "data" / "centre.json").read_text())
    image_mean = decode(means["image"], stored.dim)[0]
    assert np.abs(image_mean - stored.images.mean(axis=0)).max() < 1e-3  # float16 rounding of the mean photo
    page, watcher = open_page(PAGE)
    core, _ = open_page("index.html")  # the label table is the core article's; the switch holds on every page
    view = page_view(core)
    text_mean = decode(means["text"][view["template"]], stored.dim)[0]
    assert np.abs(text_mean - stored.vocabulary_texts(view["template"]).mean(axis=0)).max() < 1e-3
    assert page.evaluate("() => !document.body.hasAttribute('data-centred')")
    page.locator("[data-testid=centre-switch]").focus()
    page.keyboard.press("Space")
    page.wait_for_selector("body[data-centred]", timeout=10000)
    assert "centred=1" in page.url

    core, _ = open_page(f"index.html{page.evaluate('location.hash')}")  # the same view, centred, on the core page
    core.wait_for_selector("body[data-centred]", timeout=15000)
    images = unit(stored.images - image_mean)                                             # (P, dim)
    texts = unit(stored.texts(view["template"], view["labels"]) - text_mean)              # (L, dim)
    p = stored.photo_ids.index(view["photo"])
    centred = page_view(core)
    assert np.abs(np.array(centred["sims"]) - texts @ images[p]).max() < TOLERANCE
    assert np.abs(np.array(centred["sims"]) - np.array(view["sims"])).max() > 1e-3  # the numbers did change
    space, _ = open_page(f"space.html{page.evaluate('location.hash')}")  # the matrix's deep-dive page
    space.wait_for_selector("body[data-centred]", timeout=15000)
    show_figures(space, "matrix")
    matrix = space.evaluate("""() => [...document.querySelectorAll('#matrix-table tbody tr')].map(
        (tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.dataset.value)))""")
    assert np.abs(np.array(matrix) - images @ texts.T).max() < TOLERANCE
    show_figures(page, "objective")
    tau = stored.embeddings["temperatures"][view["tauIndex"]]
    batch = json.loads((stored.out / "data" / "objective.json").read_text())
    captions = unit(decode(batch["vectors"], stored.dim) - text_mean)
    loss = numpy_objective(images @ captions.T / tau)["loss"]
    page.wait_for_function(f"() => Math.abs(document.getElementById('objective').dataset.loss - {loss}) < 1e-6",
                           timeout=10000)  # once the captions landed
    shown = page.evaluate("""() => { const root = document.querySelector('[data-testid=objective-figure]');
        return { figure: { ...root.dataset }, cells: [...root.querySelectorAll('td[data-logit]')].map((td) => ({
            ...td.dataset })) }; }""")
    check_against_numpy(shown, images, captions, tau)

    page.reload()
    page.wait_for_selector("body[data-centred]", timeout=15000)  # kept in the link
    page.locator("[data-testid=centre-switch]").click()
    page.wait_for_function("() => !document.body.hasAttribute('data-centred')", timeout=10000)
    assert "centred" not in page.url
    core, _ = open_page(f"index.html{page.evaluate('location.hash')}")
    assert np.abs(np.array(page_view(core)["sims"]) - np.array(view["sims"])).max() < TOLERANCE
    watcher.check()
