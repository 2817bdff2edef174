"""The page in headless Chromium: it loads without errors or foreign requests, draws every chart, and
every control updates the numbers, which match an independent recomputation from the stored vectors."""
import base64
import json

import numpy as np
import pytest

from browser import Watcher, chromium, serve
from conftest import ROOT

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHARTS = ["image-vector", "text-vector", "similarities", "probabilities"]


def decode(text):
    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float64).reshape(-1, 512)


class Stored:
    """Independent recomputation of any view from the files in site/data."""

    def __init__(self, out):
        self.out = out
        self.embeddings = json.loads((out / "data" / "embeddings.json").read_text())
        self.vocabulary = json.loads((out / "data" / "vocabulary.json").read_text())["labels"]
        self.images = decode(self.embeddings["vectors"]["image"])
        self.photo_ids = [p["id"] for p in self.embeddings["photos"]]
        self._templates = {}

    def text(self, template):
        if template not in self._templates:
            data = json.loads((self.out / "data" / f"vectors-{template}.json").read_text())
            self._templates[template] = decode(data["vectors"])
        return self._templates[template]

    def view(self, photo, template, labels, tau):
        image = self.images[self.photo_ids.index(photo)]
        texts = self.text(template)[[self.vocabulary.index(label) for label in labels]]
        sims = texts @ image
        p = np.exp((sims - sims.max()) / tau)
        p /= p.sum()
        return sims, p, float(-(p * np.log(p)).sum())


@pytest.fixture(scope="module")
def browser_page(site):
    out, _ = site
    with serve(out) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        watcher = Watcher(page, url)
        page.on("dialog", lambda dialog: watcher.problems.append(f"dialog: {dialog.message}") or dialog.dismiss())
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]", timeout=15000)
        yield page, watcher, Stored(out), url, browser
    assert not watcher.problems, watcher.problems


def page_view(page):
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
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-chart]')]
        .map(el => [el.dataset.chart, el.querySelector('canvas')?.toDataURL() ?? null]))""")


def test_every_chart_is_drawn(browser_page):
    page, watcher, _, _, _ = browser_page
    pixels = chart_pixels(page)
    assert sorted(pixels) == sorted(CHARTS)
    for name, data in pixels.items():
        assert data and len(data) > 2000, f"{name} has no drawing"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "default-1280.png"), full_page=True)


def test_default_view_numbers(browser_page):
    page, _, stored, _, _ = browser_page
    view = check_numbers(page, stored)
    assert view["photo"] == "cat" and view["template"] == "photo" and view["tau"] == 0.01


def test_photo_template_and_temperature_update_every_number_and_chart(browser_page):
    page, _, stored, _, _ = browser_page
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


def test_adding_reordering_and_removing_labels(browser_page):
    page, _, stored, _, _ = browser_page
    page.fill("#add-label-input", "Kitten")
    page.press("#add-label-input", "Enter")
    page.wait_for_selector("#label-rows tr[data-label=kitten]", timeout=15000)
    view = check_numbers(page, stored)
    assert view["labels"][-1] == "kitten"

    page.click("button[aria-label='Move kitten up']")
    assert page_view(page)["labels"][-2] == "kitten"
    page.click("button[aria-label='Remove dog']")
    view = check_numbers(page, stored)
    assert "dog" not in view["labels"] and len(view["labels"]) == 8


def test_label_outside_vocabulary_is_refused_with_suggestions(browser_page):
    page, _, stored, _, _ = browser_page
    before = page_view(page)["labels"]
    page.fill("#add-label-input", "kittten")
    page.press("#add-label-input", "Enter")
    status = page.locator("#add-label-status")
    status.get_by_text("is not in the vocabulary").wait_for(timeout=5000)
    assert status.locator("button", has_text="kitten").count() == 1
    assert page_view(page)["labels"] == before
    check_numbers(page, stored)


@pytest.mark.parametrize("payload", ["<img src=x onerror=alert(1)>", '"><script>alert(1)</script>',
                                     "javascript:alert(1)", "x" * 10000])
def test_hostile_labels_are_refused_as_text(browser_page, payload):
    page, watcher, stored, _, _ = browser_page
    page.fill("#add-label-input", payload)
    page.press("#add-label-input", "Enter")
    page.locator("#add-label-status").get_by_text("is not in the vocabulary").wait_for(timeout=5000)
    assert page.locator("#add-label-status img, #add-label-status script").count() == 0
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    check_numbers(page, stored)


def test_phone_width_has_no_horizontal_scrolling(browser_page):
    _, _, _, url, browser = browser_page
    page = browser.new_page(viewport={"width": 375, "height": 812})
    watcher = Watcher(page, url)
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=15000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SCREENSHOTS / "default-375.png"), full_page=True)
    page.close()
    assert not watcher.problems, watcher.problems
