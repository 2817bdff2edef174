"""The page draws every chart without errors, CSP violations or foreign requests, and each figure beyond
the label bars (matrix, sweep, templates, gap, crowding) matches an independent recomputation and
follows the view."""
import numpy as np
import pytest
from browser import SCREENSHOTS, bar_view, chart_pixels, choose_in_bar, decode, show_figures
from conftest import read_snapshot

# the pages each figure lives on (docs/authoring.md, "Pages"); the lead may move them at merge
CORE, TEMPLATES, SPACE = "index.html", "templates.html", "space.html"
TEMPERATURE, MYTHS = "temperature.html", "myths.html"
PAGES = [CORE, "seen.html", TEMPLATES, "vectors.html", SPACE, "occlusion.html", TEMPERATURE, MYTHS, "beyond.html"]

CHARTS = ["image-vector", "text-vector", "similarities", "probabilities", "matrix", "sweep", "templates", "gap",
          "crowding"]


def test_every_chart_is_drawn(open_page, server):
    page, _ = open_page(CORE)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.wait_for_timeout(300)
    pixels = chart_pixels(page)
    assert not any("figures.json" in r for r in requests)  # the gap and crowding figures are not on this page
    for name in PAGES[1:]:
        page, _ = open_page(name)
        if page.locator("#crowding, #gap").count():
            page.locator("#crowding, #gap").last.scroll_into_view_if_needed()
            page.wait_for_selector("body[data-figures=loaded]", timeout=10000)
        pixels |= chart_pixels(page)
    assert sorted(pixels) == sorted(CHARTS)
    for name, data in pixels.items():
        assert data and len(data) > 2000, f"{name} has no drawing"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "default-1280.png"), full_page=True)


def matrix_values(page):
    show_figures(page, 'matrix')
    return page.evaluate("""() => [...document.querySelectorAll('#matrix-table tbody tr')].map(
        tr => [...tr.querySelectorAll('td')].map(td => Number(td.dataset.value)))""")


def test_photo_label_matrix_matches_python_and_selects_photos(open_page, server):
    page, _ = open_page(SPACE)
    stored = server[2]
    view = bar_view(page, stored)
    expected = [stored.view(photo, view["template"], view["labels"], view["tau"]) for photo in stored.photo_ids]
    np.testing.assert_allclose(matrix_values(page), [sims for sims, _, _ in expected], atol=1e-4)
    page.check("input[name=matrix-measure][value=probability]")
    page.wait_for_selector("body[data-charts=drawn]")
    np.testing.assert_allclose(matrix_values(page), [probs for _, probs, _ in expected], atol=1e-3)
    before = chart_pixels(page)["matrix"]
    page.click("summary:has-text('The matrix as a table')")
    page.focus("button[aria-label='Select the photo A cup of coffee']")
    page.keyboard.press("Enter")
    view = bar_view(page, stored)
    assert view["photo"] == "coffee"
    assert chart_pixels(page)["matrix"] != before  # the highlighted row moved
    choose_in_bar(page, template="bare")
    view = bar_view(page, stored)
    np.testing.assert_allclose(matrix_values(page), [stored.view(p, "bare", view["labels"], view["tau"])[1]
                                                     for p in stored.photo_ids], atol=1e-3)


def test_temperature_sweep_follows_and_drags_the_temperature(open_page, server):
    page, _ = open_page(TEMPERATURE)
    stored = server[2]
    before = chart_pixels(page)["sweep"]
    page.locator("#bar-tau").focus()
    page.keyboard.press("ArrowLeft")
    assert chart_pixels(page)["sweep"] != before  # the marker moved
    page.locator("#sweep-chart canvas").scroll_into_view_if_needed()
    box = page.locator("#sweep-chart canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.15, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    view = bar_view(page, stored)
    assert view["tau"] > 0.05  # dragged to the right: a much higher temperature
    show_figures(page, 'sweep')
    summary = page.text_content("#sweep-summary")
    assert f"“{view['top']}” takes {view['topProbability']}" in summary and f"{view['entropy']:.3f} nats" in summary
    page.screenshot(path=str(SCREENSHOTS / "figures-1280.png"), full_page=True)


def template_table(page):
    show_figures(page, 'templates')
    return page.evaluate("""() => [...document.querySelectorAll('#templates-table tbody tr')].map(
        tr => [...tr.querySelectorAll('td')].map(td => Number(td.dataset.value)))""")


def test_template_comparison_matches_python_and_names_best_and_worst(open_page, server):
    stored = server[2]
    page, _ = open_page(TEMPLATES + "#photo=astronaut")
    view = bar_view(page, stored)
    probs = np.array([stored.view("astronaut", t, view["labels"], view["tau"])[1] for t in stored.template_ids])
    np.testing.assert_allclose(template_table(page), probs.T, atol=1e-3)  # rows: labels, columns: templates
    top = view["labels"].index(view["top"])
    names = [t["text"] if not t["ensemble"] else "ensemble of 80" for t in stored.embeddings["templates"]]
    best, worst = int(np.argmax(probs[:, top])), int(np.argmin(probs[:, top]))
    show_figures(page, 'templates')
    verdict = page.text_content("#template-verdict")
    assert f"the best template is “{names[best]}” ({100 * probs[best, top]:.1f}%)" in verdict
    assert f"the worst is “{names[worst]}” ({100 * probs[worst, top]:.1f}%)" in verdict

    # a label the defaults lack (its file brings its vectors under every template at once), from a link
    link = "&".join(f"label={label.replace(' ', '+')}" for label in [*view["labels"], "kitten"])
    page, _ = open_page(f"{TEMPLATES}#photo=astronaut&{link}")
    view = bar_view(page, stored)
    show_figures(page, 'templates')
    labels = page.evaluate("[...document.querySelectorAll('#templates-table tbody th')].map(th => th.textContent)")
    assert labels == view["labels"] and labels[-1] == "kitten"
    probs = np.array([stored.view("astronaut", t, labels, view["tau"])[1] for t in stored.template_ids])
    np.testing.assert_allclose(template_table(page), probs.T, atol=1e-3)


def test_modality_gap_projects_with_the_stored_basis(open_page, server):
    page, _ = open_page(SPACE)
    stored = server[2]
    html = (stored.out / SPACE).read_text()
    snapshot = read_snapshot(html)
    dim = snapshot["model"]["dim"]
    mean = decode(snapshot["gap"]["mean"], dim)[0]                # (dim,)
    components = decode(snapshot["gap"]["components"], dim)     # (2, dim)
    page.locator("#gap").scroll_into_view_if_needed()
    page.wait_for_selector("body[data-figures=loaded]", timeout=10000)
    for template in ("photo", "drawing"):
        choose_in_bar(page, template=template)
        view = bar_view(page, stored)
        show_figures(page, 'gap')
        points = page.evaluate("""() => [...document.querySelectorAll('#gap-table tbody tr')].map(
            tr => [tr.querySelector('th').textContent, Number(tr.dataset.x), Number(tr.dataset.y)])""")
        texts = stored.texts(template, view["labels"])
        expected = np.concatenate([stored.images, texts]) @ components.T - mean @ components.T
        assert [p[0] for p in points][6:] == view["labels"]
        np.testing.assert_allclose([p[1:] for p in points], expected, atol=1e-4)
    show_figures(page, 'gap')
    summary = page.text_content("#gap-summary")
    between = float(np.mean(stored.images @ texts.T))
    assert f"between a photo and a label text: {between:.3f}" in summary


def crowding_expected(stored, photo, template, labels, tau):
    """Independent: nearest vocabulary texts to the top label, added one at a time to the softmax."""
    sims, probs, _ = stored.view(photo, template, labels, tau)
    top = int(np.argmax(probs))
    texts = stored.vocabulary_texts(template)                                      # (V, dim)
    index = {label: i for i, label in enumerate(stored.vocabulary)}
    closeness = texts @ texts[index[labels[top]]]
    closeness[index[labels[top]]] = -np.inf
    nearest = [stored.vocabulary[j] for j in np.argsort(-closeness)[:5]]
    added = [n for n in nearest if n not in labels]
    image = stored.images[stored.photo_ids.index(photo)]
    tops = []
    for n in range(len(added) + 1):
        scores = np.concatenate([sims, texts[[index[a] for a in added[:n]]] @ image])
        p = np.exp((scores - scores.max()) / tau)
        tops.append((p / p.sum())[top])
    return added, tops


def test_label_crowding_matches_python_and_follows_the_view(open_page, server):
    page, _ = open_page(MYTHS)
    stored = server[2]
    page.locator("#crowding").scroll_into_view_if_needed()
    page.wait_for_selector("body[data-figures=loaded]", timeout=10000)
    for photo, template in (("cat", "photo"), ("rocket", "itap")):
        choose_in_bar(page, photo=photo, template=template)
        view = bar_view(page, stored)
        added, tops = crowding_expected(stored, photo, template, view["labels"], view["tau"])
        show_figures(page, 'crowding')
        rows = page.evaluate("""() => [...document.querySelectorAll('#crowding-table tbody tr')].map(
            tr => [tr.querySelector('th').textContent, Number(tr.dataset.top)])""")
        assert [name for name, _ in rows] == ["(none yet)"] + added
        np.testing.assert_allclose([top for _, top in rows], tops, atol=1e-3)
        show_figures(page, 'crowding')
        assert f"from {100 * tops[0]:.1f}% to {100 * tops[-1]:.1f}%" in page.text_content("#crowding-summary")
    page.screenshot(path=str(SCREENSHOTS / "figures-all-1280.png"), full_page=True)


@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots_of_each_figure_and_nothing_overflows(open_page, server, width):
    """One picture of every figure at a phone's and a desktop's width in artifacts/screenshots/, for
    reviewers of a CI run; each figure shown fresh (hydrated) and nothing in it wider than the figure."""
    every = []
    for name in PAGES:
        page, _ = open_page(name, width=width)
        ids = page.evaluate("[...document.querySelectorAll('.widget[id]')].map((el) => el.id)")  # by their one names
        every += ids
        for figure_id in ids:
            show_figures(page, figure_id)
            figure = page.locator(f"#{figure_id}")
            path = SCREENSHOTS / f"{figure_id}-{width}.png"
            figure.screenshot(path=str(path))
            assert path.stat().st_size > 2000, figure_id
            overflow = page.evaluate("""(id) => {
                const box = document.getElementById(id).getBoundingClientRect();
                return [...document.getElementById(id).querySelectorAll('*')]
                    .filter((el) => el.getClientRects().length
                        && !el.closest('details:not([open]), [hidden], .token-rows-scroll'))
                    .map((el) => [el.tagName, el.id || el.className?.baseVal || el.className,
                                  el.getBoundingClientRect().right - box.right])
                    .filter(([, , over]) => over > 1);
            }""", figure_id)
            assert not overflow, (figure_id, width, overflow[:5])
    assert len(every) >= 14 and {"matrix", "gap", "crowding", "sweep", "templates", "tokens", "seen"} <= set(every)
