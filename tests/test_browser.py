"""The page in headless Chromium: it loads without errors, CSP violations or foreign requests, draws every
chart, and every control updates the numbers, which match an independent recomputation from the stored
vectors. Shareable URLs, keyboard use, accessibility (axe-core), phones and hostile input."""
import base64
import json
import random
from urllib.parse import quote

import numpy as np
import pytest

from browser import Watcher, chromium, serve
from conftest import ROOT, read_snapshot

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHARTS = ["image-vector", "text-vector", "similarities", "probabilities", "matrix", "sweep", "templates", "gap", "crowding"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def decode(text, dim):
    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float64).reshape(-1, dim)


class Stored:
    """Independent recomputation of any view from the files in site/data."""

    def __init__(self, out):
        self.out = out
        self.embeddings = json.loads((out / "data" / "embeddings.json").read_text())
        self.vocabulary = json.loads((out / "data" / "vocabulary.json").read_text())["labels"]
        self.index = {label: i for i, label in enumerate(self.vocabulary)}
        self.dim = self.embeddings["model"]["dim"]
        self.images = decode(self.embeddings["vectors"]["image"], self.dim)
        self.photo_ids = [p["id"] for p in self.embeddings["photos"]]
        self.template_ids = [t["id"] for t in self.embeddings["templates"]]
        self._templates = {}

    def text(self, template):
        if template not in self._templates:
            data = json.loads((self.out / "data" / f"vectors-{template}.json").read_text())
            self._templates[template] = decode(data["vectors"], self.dim)
        return self._templates[template]

    def view(self, photo, template, labels, tau):
        image = self.images[self.photo_ids.index(photo)]
        texts = self.text(template)[[self.index[label] for label in labels]]
        sims = texts @ image
        p = np.exp((sims - sims.max()) / tau)
        p /= p.sum()
        return sims, p, float(-(p * np.log(np.where(p > 0, p, 1))).sum())


@pytest.fixture(scope="module")
def server(site):
    out, _ = site
    with serve(out) as url, chromium() as browser:
        yield browser, url, Stored(out)


@pytest.fixture
def open_page(server):
    """open_page(fragment="", width=1280) -> (page, watcher); every page is checked for problems at the end."""
    browser, url, _ = server
    opened = []

    def opener(fragment="", width=1280, height=900, ready=True):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        watcher = Watcher(page, url)
        opened.append((context, watcher))
        page.goto(url + fragment)
        if ready:
            page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
        return page, watcher

    yield opener
    for context, watcher in opened:
        watcher.check()
        context.close()


def page_view(page):
    page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
    return page.evaluate("""() => ({
        labels: [...document.querySelectorAll('#label-rows tr')].map(r => r.dataset.label),
        sims: [...document.querySelectorAll('#label-rows tr')].map(r => Number(r.dataset.sim)),
        probs: [...document.querySelectorAll('#label-rows tr')].map(r => Number(r.dataset.prob)),
        photo: document.querySelector('input[name=photo]:checked').value,
        template: document.getElementById('template-select').value,
        tauIndex: Number(document.getElementById('tau-slider').value),
        tauShown: Number(document.getElementById('tau-value').textContent),
        top: document.getElementById('top-label').textContent,
        topProbability: document.getElementById('top-probability').textContent,
        entropy: Number(document.getElementById('entropy').textContent),
        simTable: [...document.querySelectorAll('#similarities-table td')].map(td => td.textContent),
        notice: document.getElementById('view-notice').hidden ? '' : document.getElementById('view-notice').textContent,
    })""")


def check_numbers(page, stored):
    view = page_view(page)
    view["tau"] = stored.embeddings["temperatures"][view["tauIndex"]]
    assert view["tauShown"] == pytest.approx(view["tau"], rel=5e-3)
    sims, probs, entropy = stored.view(view["photo"], view["template"], view["labels"], view["tau"])
    np.testing.assert_allclose(view["sims"], sims, atol=1e-4)
    np.testing.assert_allclose(view["probs"], probs, atol=1e-3)
    assert view["top"] == view["labels"][int(np.argmax(probs))]
    assert view["topProbability"] == f"{100 * probs.max():.1f}%"
    assert view["entropy"] == pytest.approx(entropy, abs=2e-3)
    np.testing.assert_allclose([float(v) for v in view["simTable"]], sims, atol=1e-4)  # shown to 4 decimals
    return view


def chart_pixels(page):
    page.wait_for_selector("body[data-charts=drawn]", timeout=10000)  # Vega renders asynchronously
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-chart]')]
        .map(el => [el.dataset.chart, el.querySelector('canvas')?.toDataURL() ?? null]))""")


def add_label(page, text):
    page.fill("#add-label-input", text)
    page.press("#add-label-input", "Enter")


# ---- drawing and numbers ------------------------------------------------------------------------

def test_every_chart_is_drawn(open_page, server):
    page, _ = open_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.wait_for_timeout(300)
    assert not any("figures.json" in r for r in requests)  # below the fold: not part of the first view
    page.locator("#crowding-figure").scroll_into_view_if_needed()
    page.wait_for_selector("body[data-figures=loaded]", timeout=10000)
    pixels = chart_pixels(page)
    assert sorted(pixels) == sorted(CHARTS)
    for name, data in pixels.items():
        assert data and len(data) > 2000, f"{name} has no drawing"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "default-1280.png"), full_page=True)


def test_default_view_numbers(open_page, server):
    page, _ = open_page()
    view = check_numbers(page, server[2])
    assert view["photo"] == "cat" and view["template"] == "photo" and view["tau"] == 0.01
    assert view["notice"] == ""


def test_photo_template_and_temperature_update_every_number_and_chart(open_page, server):
    page, _ = open_page()
    stored = server[2]
    before = chart_pixels(page)
    page.click("label.photo-choice:has(input[value=rocket])")
    check_numbers(page, stored)
    after_photo = chart_pixels(page)
    for name in ("image-vector", "similarities", "probabilities"):
        assert after_photo[name] != before[name], f"{name} did not change with the photo"
    assert page.locator("#current-photo").get_attribute("alt").startswith("A Falcon 9")

    page.select_option("#template-select", "ensemble")
    check_numbers(page, stored)
    assert chart_pixels(page)["text-vector"] != after_photo["text-vector"]

    slider = page.locator("#tau-slider")
    slider.focus()
    for key, expected in [("ArrowRight", 0.0126), ("End", 1.0), ("Home", 0.001)]:
        page.keyboard.press(key)
        view = check_numbers(page, stored)
        assert view["tau"] == pytest.approx(expected, rel=1e-3)
    assert slider.get_attribute("aria-valuetext") == "tau 0.001"


def test_seeded_random_walk_matches_python_in_20_states(open_page, server):
    page, _ = open_page()
    stored = server[2]
    rng = random.Random(20210226)
    extra = [label for label in stored.vocabulary if label.isalpha()]
    for step in range(20):
        action = rng.choice(["photo", "template", "tau", "add", "remove", "move"])
        labels = page_view(page)["labels"]
        if action == "photo":
            page.check(f"input[name=photo][value={rng.choice(stored.photo_ids)}]", force=True)
        elif action == "template":
            page.select_option("#template-select", rng.choice(stored.template_ids))
        elif action == "tau":
            page.locator("#tau-slider").focus()
            for _ in range(rng.randint(1, 6)):
                page.keyboard.press(rng.choice(["ArrowLeft", "ArrowRight"]))
        elif action == "add":
            label = rng.choice(extra)
            add_label(page, label)
            page.wait_for_selector(f"#label-rows tr[data-label='{label}']", timeout=15000)
        elif action == "remove" and len(labels) > 1:
            page.click(f"button[aria-label='Remove {rng.choice(labels)}']")
        elif action == "move" and len(labels) > 1:
            i = rng.randrange(1, len(labels))
            page.click(f"button[aria-label='Move {labels[i]} up']")
        check_numbers(page, stored)


def test_adding_reordering_and_removing_labels(open_page, server):
    page, _ = open_page()
    stored = server[2]
    charts = chart_pixels(page)
    add_label(page, "Kitten")
    page.wait_for_selector("#label-rows tr[data-label=kitten]", timeout=15000)
    view = check_numbers(page, stored)
    assert view["labels"][-1] == "kitten"
    added = chart_pixels(page)
    assert added["similarities"] != charts["similarities"] and added["probabilities"] != charts["probabilities"]
    page.click("button[aria-label='Move kitten up']")
    assert page_view(page)["labels"][-2] == "kitten"
    assert chart_pixels(page)["similarities"] != added["similarities"]
    page.click("button[aria-label='Remove cat']")
    assert chart_pixels(page)["text-vector"] != added["text-vector"]  # the first label changed
    page.click("button[aria-label='Remove dog']")
    view = check_numbers(page, stored)
    assert "dog" not in view["labels"] and "cat" not in view["labels"] and len(view["labels"]) == 7


# ---- shareable state ----------------------------------------------------------------------------

def test_url_reproduces_the_view_in_a_new_page(open_page, server):
    page, _ = open_page()
    page.check("input[name=photo][value=coffee]", force=True)
    page.select_option("#template-select", "itap")
    add_label(page, "espresso")
    page.wait_for_selector("#label-rows tr[data-label=espresso]", timeout=15000)
    page.click("button[aria-label='Move espresso up']")
    page.locator("#tau-slider").focus()
    page.keyboard.press("ArrowLeft")
    first = check_numbers(page, server[2])
    fragment = page.evaluate("location.hash")
    assert "photo=coffee" in fragment and "template=itap" in fragment and "label=espresso" in fragment
    second_page, _ = open_page(fragment)
    second = check_numbers(second_page, server[2])
    for key in ("labels", "sims", "probs", "photo", "template", "tauIndex", "top", "entropy"):
        assert second[key] == first[key], key


def test_back_and_forward_move_through_views(open_page, server):
    page, _ = open_page()
    stored = server[2]
    page.check("input[name=photo][value=astronaut]", force=True)
    page.select_option("#template-select", "drawing")
    page.locator("#tau-slider").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # three slider steps: one history entry
    assert check_numbers(page, stored)["tauIndex"] == 13
    page.go_back()
    view = check_numbers(page, stored)
    assert (view["template"], view["tauIndex"]) == ("drawing", 10)
    page.go_back()
    view = check_numbers(page, stored)
    assert (view["photo"], view["template"]) == ("astronaut", "photo")
    page.go_forward()
    assert check_numbers(page, stored)["template"] == "drawing"


HOSTILE = [
    ("#photo=unicorn", "No photo called"),
    ("#template=%3Cscript%3E", "No template called"),
    ("#tau=abc", "is not a temperature"),
    ("#tau=1e9", "is outside"),
    ("#tau=-1", "is not a temperature"),
    ("#label=notaword&label=cat", "not in the vocabulary"),
    ("#label=" + quote("<img src=x onerror=alert(1)>"), "not in the vocabulary"),
    ("#label=" + quote('"><script>alert(1)</script>'), "not in the vocabulary"),
    ("#label=javascript:alert(1)", "not in the vocabulary"),
    ("#label=" + "x" * 10000, "not in the vocabulary"),
    ("#label=cat&label=" + "y" * 70000, "too long"),
    ("#" + "%E0%A4%A&&&==;;" * 50, None),
]


@pytest.mark.parametrize("fragment, words", HOSTILE, ids=[str(i) for i in range(len(HOSTILE))])
def test_malformed_or_hostile_urls_fall_back_with_a_notice(open_page, server, fragment, words):
    page, _ = open_page(fragment)
    view = check_numbers(page, server[2])
    if words:
        assert words in view["notice"]
    assert page.evaluate("document.querySelectorAll('img[src=x], #explainer script').length") == 0


# ---- the vocabulary --------------------------------------------------------------------------------

def test_type_ahead_is_a_keyboard_listbox_ranked_by_prefix_then_substring(open_page, server):
    page, _ = open_page()
    page.click("#add-label-input")
    page.keyboard.type("cat")
    options = page.locator("#label-suggestions [role=option]")
    options.first.wait_for(timeout=10000)
    texts = options.all_text_contents()
    prefix = [t for t in texts if t.lower().startswith("cat")]
    assert texts[: len(prefix)] == prefix and prefix, texts  # prefix matches first
    assert "cat" not in texts  # already a candidate
    assert all("cat" in t.lower() for t in texts)
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#add-label-input", "aria-activedescendant") == "suggestion-0"
    assert page.get_attribute("#add-label-input", "aria-expanded") == "true"
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#label-rows tr[data-label='{texts[0]}']", timeout=5000)
    check_numbers(page, server[2])


def test_vocabulary_loads_on_first_edit_and_survives_a_failed_load(open_page, server):
    browser, url, stored = server
    page, watcher = open_page(ready=False)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    failing = {"on": True}
    page.route("**/data/vectors-photo.json",
               lambda route: route.abort() if failing["on"] else route.continue_())
    page.wait_for_selector("body[data-ready=true]", timeout=15000)
    page.locator("#tau-slider").focus()
    page.keyboard.press("ArrowRight")
    assert not [r for r in requests if "/data/" in r]  # nothing fetched before the labels are edited
    page.click("#add-label-input")
    page.locator("#add-label-status button", has_text="Retry").wait_for(timeout=10000)
    assert "Could not load" in page.text_content("#add-label-status")
    watcher.problems = [p for p in watcher.problems if "vectors-photo.json" not in p and "ERR_FAILED" not in p]
    check_numbers(page, stored)  # the labels already shown keep working
    failing["on"] = False
    page.click("#add-label-status button:has-text('Retry')")
    add_label(page, "kitten")
    page.wait_for_selector("#label-rows tr[data-label=kitten]", timeout=10000)
    check_numbers(page, stored)


def test_label_outside_vocabulary_is_refused_with_suggestions(open_page, server):
    page, _ = open_page()
    before = page_view(page)["labels"]
    add_label(page, "kittten")
    status = page.locator("#add-label-status")
    status.get_by_text("is not in the vocabulary").wait_for(timeout=5000)
    assert status.locator("button", has_text="kitten").count() == 1
    assert page_view(page)["labels"] == before
    status.locator("button", has_text="kitten").click()
    page.wait_for_selector("#label-rows tr[data-label=kitten]", timeout=5000)
    check_numbers(page, server[2])


@pytest.mark.parametrize("payload", ["<img src=x onerror=alert(1)>", '"><script>alert(1)</script>',
                                     "javascript:alert(1)", "x" * 10000])
def test_hostile_labels_are_refused_as_text(open_page, server, payload):
    page, _ = open_page()
    add_label(page, payload)
    page.locator("#add-label-status").get_by_text("is not in the vocabulary").wait_for(timeout=5000)
    assert page.locator("#add-label-status img, #add-label-status script").count() == 0
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    check_numbers(page, server[2])


# ---- keyboard, accessibility, phones -------------------------------------------------------------------

def focused(page):
    return page.evaluate("""() => {
        const el = document.activeElement;
        const ring = (e) => getComputedStyle(e).outlineStyle !== 'none' && parseFloat(getComputedStyle(e).outlineWidth) >= 2;
        return { id: el.id, tag: el.tagName, type: el.type || '', name: el.name || '', label: el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30),
                 ring: ring(el) || (el.type === 'radio' && ring(el.closest('label'))) };
    }""")


def test_every_control_is_reachable_and_operable_with_the_keyboard(open_page, server):
    page, _ = open_page()
    stored = server[2]
    seen = []
    for _ in range(80):  # bounded: the page has about 40 stops
        page.keyboard.press("Tab")
        info = focused(page)
        if info["tag"] == "BODY":
            break
        assert info["ring"], f"no visible focus ring on {info}"
        seen.append(info)
    kinds = {(i["tag"], i["type"] or i["id"]) for i in seen}
    for expected in [("INPUT", "radio"), ("SELECT", "select-one"), ("INPUT", "range"), ("INPUT", "text"),
                     ("BUTTON", "button"), ("BUTTON", "submit")]:
        assert expected in kinds, (expected, kinds)
    assert any(i["tag"] == "SUMMARY" for i in seen)

    page.focus("input[name=photo]:checked")
    page.keyboard.press("ArrowRight")  # radio group: arrows move the choice
    assert check_numbers(page, stored)["photo"] == "coffee"
    page.focus("#template-select")
    page.keyboard.press("ArrowDown")
    assert check_numbers(page, stored)["template"] == "blurry"
    page.focus("button[aria-label='Remove dog']")
    page.keyboard.press("Enter")
    assert "dog" not in check_numbers(page, stored)["labels"]
    page.focus("button[aria-label='Move coins up']")
    page.keyboard.press(" ")
    labels = check_numbers(page, stored)["labels"]
    assert labels.index("coins") == labels.index("photographer") - 1


def run_axe(page):
    page.route("**/__axe__.js", lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    page.add_script_tag(url="/__axe__.js")  # same origin, so the page's CSP allows it
    result = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


def test_axe_finds_no_serious_violations_before_and_after_interaction(open_page, server):
    page, _ = open_page()
    assert run_axe(page) == []
    page.check("input[name=photo][value=coins]", force=True)
    page.click("#add-label-input")
    page.keyboard.type("co")
    page.locator("#label-suggestions [role=option]").first.wait_for(timeout=10000)
    assert run_axe(page) == []
    page.keyboard.press("Escape")
    add_label(page, "kittten")
    page.locator("#add-label-status button").first.wait_for(timeout=5000)
    assert run_axe(page) == []


def test_phone_width_has_no_horizontal_scrolling_and_controls_work(open_page, server):
    page, _ = open_page(width=375, height=812)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SCREENSHOTS / "default-375.png"), full_page=True)
    page.click("label.photo-choice:has(input[value=cameraman])")
    page.click("button[aria-label='Remove pizza']")
    page.select_option("#template-select", "small")
    view = check_numbers(page, server[2])
    assert view["photo"] == "cameraman" and "pizza" not in view["labels"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


# ---- figures beyond the reference: photo x label matrix, temperature sweep ----------------------------

def matrix_values(page):
    return page.evaluate("""() => [...document.querySelectorAll('#matrix-table tbody tr')].map(
        tr => [...tr.querySelectorAll('td')].map(td => Number(td.dataset.value)))""")


def test_photo_label_matrix_matches_python_and_selects_photos(open_page, server):
    page, _ = open_page()
    stored = server[2]
    view = check_numbers(page, stored)
    tau = stored.embeddings["temperatures"][view["tauIndex"]]
    expected = [stored.view(photo, view["template"], view["labels"], tau) for photo in stored.photo_ids]
    np.testing.assert_allclose(matrix_values(page), [sims for sims, _, _ in expected], atol=1e-4)
    page.check("input[name=matrix-measure][value=probability]")
    page.wait_for_selector("body[data-charts=drawn]")
    np.testing.assert_allclose(matrix_values(page), [probs for _, probs, _ in expected], atol=1e-3)
    before = chart_pixels(page)["matrix"]
    page.click("summary:has-text('The matrix as a table')")
    page.focus("button[aria-label='Select the photo A cup of coffee']")
    page.keyboard.press("Enter")
    view = check_numbers(page, stored)
    assert view["photo"] == "coffee"
    assert chart_pixels(page)["matrix"] != before  # the highlighted row moved
    page.select_option("#template-select", "bare")
    view = check_numbers(page, stored)
    np.testing.assert_allclose(matrix_values(page), [stored.view(p, "bare", view["labels"], view["tau"])[1]
                                                     for p in stored.photo_ids], atol=1e-3)


def test_temperature_sweep_follows_and_drags_the_temperature(open_page, server):
    page, _ = open_page()
    stored = server[2]
    before = chart_pixels(page)["sweep"]
    page.locator("#tau-slider").focus()
    page.keyboard.press("ArrowLeft")
    assert chart_pixels(page)["sweep"] != before  # the marker moved
    page.locator("#sweep-chart canvas").scroll_into_view_if_needed()
    box = page.locator("#sweep-chart canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.15, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    view = check_numbers(page, stored)
    assert view["tau"] > 0.05  # dragged to the right: a much higher temperature
    summary = page.text_content("#sweep-summary")
    assert f"“{view['top']}” takes {view['topProbability']}" in summary and f"{view['entropy']:.3f} nats" in summary
    page.screenshot(path=str(SCREENSHOTS / "figures-1280.png"), full_page=True)


def test_template_comparison_matches_python_and_names_best_and_worst(open_page, server):
    page, _ = open_page()
    stored = server[2]
    page.check("input[name=photo][value=astronaut]", force=True)
    view = check_numbers(page, stored)
    probs = np.array([stored.view("astronaut", t, view["labels"], view["tau"])[1] for t in stored.template_ids])
    shown = page.evaluate("""() => [...document.querySelectorAll('#templates-table tbody tr')].map(
        tr => [...tr.querySelectorAll('td')].map(td => Number(td.dataset.value)))""")
    np.testing.assert_allclose(shown, probs.T, atol=1e-3)  # rows: labels, columns: templates
    top = view["labels"].index(view["top"])
    names = [t["text"] if not t["ensemble"] else "ensemble of 80" for t in stored.embeddings["templates"]]
    best, worst = int(np.argmax(probs[:, top])), int(np.argmin(probs[:, top]))
    verdict = page.text_content("#template-verdict")
    assert f"the best template is “{names[best]}” ({100 * probs[best, top]:.1f}%)" in verdict
    assert f"the worst is “{names[worst]}” ({100 * probs[worst, top]:.1f}%)" in verdict

    add_label(page, "kitten")  # only this template's vectors are loaded for it...
    page.wait_for_selector("#label-rows tr[data-label=kitten]", timeout=15000)
    assert page.is_visible("#templates-load-button")
    page.click("#templates-load-button")  # ...until the reader asks for the others
    page.wait_for_selector("#templates-load[hidden]", state="attached", timeout=30000)
    page.wait_for_selector("body[data-charts=drawn]")
    labels = page.evaluate("[...document.querySelectorAll('#templates-table tbody th')].map(th => th.textContent)")
    assert labels[-1] == "kitten"


def test_modality_gap_projects_with_the_stored_basis(open_page, server):
    page, _ = open_page()
    stored = server[2]
    html = (stored.out / "index.html").read_text()
    snapshot = read_snapshot(html)
    dim = snapshot["model"]["dim"]
    mean, components = decode(snapshot["gap"]["mean"], dim)[0], decode(snapshot["gap"]["components"], dim)  # (dim,), (2, dim)
    page.locator("#gap-figure").scroll_into_view_if_needed()
    page.wait_for_selector("body[data-figures=loaded]", timeout=10000)
    for template in ("photo", "drawing"):
        page.select_option("#template-select", template)
        view = check_numbers(page, stored)
        points = page.evaluate("""() => [...document.querySelectorAll('#gap-table tbody tr')].map(
            tr => [tr.querySelector('th').textContent, Number(tr.dataset.x), Number(tr.dataset.y)])""")
        texts = stored.text(template)[[stored.index[label] for label in view["labels"]]]
        expected = np.concatenate([stored.images, texts]) @ components.T - mean @ components.T
        assert [p[0] for p in points][6:] == view["labels"]
        np.testing.assert_allclose([p[1:] for p in points], expected, atol=1e-4)
    summary = page.text_content("#gap-summary")
    between = float(np.mean(stored.images @ texts.T))
    assert f"between a photo and a label text: {between:.3f}" in summary


def crowding_expected(stored, photo, template, labels, tau):
    """Independent: nearest vocabulary texts to the top label, added one at a time to the softmax."""
    sims, probs, _ = stored.view(photo, template, labels, tau)
    top = int(np.argmax(probs))
    texts = stored.text(template)
    closeness = texts @ texts[stored.index[labels[top]]]
    closeness[stored.index[labels[top]]] = -np.inf
    nearest = [stored.vocabulary[j] for j in np.argsort(-closeness)[:5]]
    added = [n for n in nearest if n not in labels]
    image = stored.images[stored.photo_ids.index(photo)]
    tops = []
    for n in range(len(added) + 1):
        scores = np.concatenate([sims, texts[[stored.index[a] for a in added[:n]]] @ image])
        p = np.exp((scores - scores.max()) / tau)
        tops.append((p / p.sum())[top])
    return added, tops


def test_label_crowding_matches_python_and_follows_the_view(open_page, server):
    page, _ = open_page()
    stored = server[2]
    page.locator("#crowding-figure").scroll_into_view_if_needed()
    page.wait_for_selector("body[data-figures=loaded]", timeout=10000)
    for photo, template in (("cat", "photo"), ("rocket", "itap")):
        page.check(f"input[name=photo][value={photo}]", force=True)
        page.select_option("#template-select", template)
        view = check_numbers(page, stored)
        added, tops = crowding_expected(stored, photo, template, view["labels"], view["tau"])
        rows = page.evaluate("""() => [...document.querySelectorAll('#crowding-table tbody tr')].map(
            tr => [tr.querySelector('th').textContent, Number(tr.dataset.top)])""")
        assert [name for name, _ in rows] == ["(none yet)"] + added
        np.testing.assert_allclose([top for _, top in rows], tops, atol=1e-3)
        assert f"from {100 * tops[0]:.1f}% to {100 * tops[-1]:.1f}%" in page.text_content("#crowding-summary")
    page.screenshot(path=str(SCREENSHOTS / "figures-all-1280.png"), full_page=True)


FIGURES = ["matrix", "sweep", "templates", "tokens", "gap", "crowding"]


def test_screenshots_of_each_figure(open_page, server):
    """One picture per figure in artifacts/screenshots/, for reviewers of a CI run."""
    page, _ = open_page()
    page.locator("#crowding-figure").scroll_into_view_if_needed()
    page.wait_for_selector("body[data-figures=loaded]", timeout=10000)
    page.wait_for_selector("body[data-charts=drawn]", timeout=10000)
    for name in FIGURES:
        figure = page.locator(f"#{name}-figure")
        figure.screenshot(path=str(SCREENSHOTS / f"figure-{name}.png"))
        assert (SCREENSHOTS / f"figure-{name}.png").stat().st_size > 5000
