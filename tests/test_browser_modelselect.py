"""The model choice in Chromium (issue 36, section 2's first bullet), on the two-model site (conftest `two_models`:
the ViT-B/32-shaped stand-in and the 768-d, 16 x 16 "stand-in-l14"): the control bar's model-select switches every
label row to that model's numbers (equal to numpy from its stored vectors), keeps the view, is kept in the link
(model=) through a reload, Back / Forward and another page; the first view asks nothing of the second model; a figure
that cannot follow says so; switching back gives the default's numbers again. The figures that follow it with files of
their own: tests/test_browser_modelfigures.py."""
import json
from urllib.parse import urlsplit

import numpy as np
import pytest
from browser import Watcher
from test_browser_models import decode

from explainer.data import label_file_name

SECOND = "stand-in-l14"
LABELS = ["cup of coffee", "cat", "dog", "kitten"]  # kitten: a vocabulary label, from each model's own label file
TAU = 0.0316228
VIEW = f"#photo=coffee&template=itap&tau={TAU}" + "".join(f"&label={label.replace(' ', '+')}" for label in LABELS)
ROWS = "#label-rows tr[data-prob]"


def ready(page):
    page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)


def truth(out, model):
    """{label: (cosine, probability)} for the view from one model's stored vectors (numpy, not the page's code)."""
    root = out if model == "stand-in" else out / "models" / model / "data" / ".."
    record = json.loads((out / "data" / "embeddings.json").read_text())
    vectors = record["vectors"] if model == "stand-in" else json.loads(
        (out / "models" / model / "data" / "model.json").read_text())["vectors"]
    dim = 512 if model == "stand-in" else 768
    defaults = record["default"]["labels"]
    t = [template["id"] for template in record["templates"]].index("itap")
    inline = decode(vectors["text"]["itap"], dim)
    texts = [inline[defaults.index(label)] if label in defaults else
             decode(json.loads((root / label_file_name(label)).read_text())["vectors"], dim)[t] for label in LABELS]
    photo = [p["id"] for p in record["photos"]].index("coffee")
    cosines = np.array(texts) @ decode(vectors["image"], dim)[photo]
    p = np.exp((cosines - cosines.max()) / TAU)
    return dict(zip(LABELS, zip(cosines, p / p.sum(), strict=True), strict=True))


def rows(page):
    return page.evaluate(f"""() => Object.fromEntries([...document.querySelectorAll('{ROWS}')].map((tr) =>
        [tr.dataset.label, [Number(tr.dataset.sim), Number(tr.dataset.prob)]]))""")


def assert_numbers(page, out, model):
    expected = truth(out, model)
    page.wait_for_function(f"() => document.querySelectorAll('{ROWS}').length === {len(LABELS)} && "
                           f"document.getElementById('bar-model-state').dataset.shown === '{model}'", timeout=15000)
    shown = rows(page)
    assert sorted(shown) == sorted(LABELS)
    for label, (cosine, prob) in expected.items():
        assert shown[label][0] == pytest.approx(cosine, abs=1e-6), (model, label)
        assert shown[label][1] == pytest.approx(prob, abs=1e-6), (model, label)


def choose(page, model):
    page.select_option("[data-testid=model-select]", model)


def kept_view(page):
    """The view besides the model: photo, template, temperature and labels, as the address says them."""
    params = [part.split("=", 1) for part in urlsplit(page.url).fragment.split("&") if "=" in part]
    return [(key, value) for key, value in params if key in ("photo", "template", "tau", "label")]


def test_choosing_a_model_shows_its_numbers_and_keeps_the_view(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened("index.html" + VIEW)
    page.wait_for_load_state("networkidle")
    assert not [url for _, url, _ in watcher.requests if "/models/" in url]  # the first view: the default alone
    options = page.evaluate("() => [...document.querySelectorAll('[data-testid=model-select] option')].map((o) =>"
                            " [o.value, o.textContent])")
    assert options == [["stand-in", "stand-in"], [SECOND, SECOND]]
    page.wait_for_function("() => document.getElementById('bar-model-state').dataset.shown === 'stand-in'")
    assert_numbers(page, out, "stand-in")
    view = kept_view(page)
    assert "model=" not in page.url  # the default is not written
    choose(page, SECOND)
    assert_numbers(page, out, SECOND)
    assert f"model={SECOND}" in page.url and kept_view(page) == view
    assert page.input_value("#bar-photo") == "coffee" and page.input_value("#bar-template") == "itap"
    assert page.text_content("#bar-summary").startswith(SECOND)
    assert page.text_content("#model-name") == SECOND
    # switching back: the default's numbers, instantly, and nothing paused
    choose(page, "stand-in")
    assert_numbers(page, out, "stand-in")
    assert "model=" not in page.url
    assert page.text_content("#model-name") == "stand-in"
    watcher.check()


def test_the_model_is_kept_by_reload_back_forward_and_other_pages(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened("index.html" + VIEW)
    choose(page, SECOND)
    assert_numbers(page, out, SECOND)
    page.reload()
    ready(page)
    assert_numbers(page, out, SECOND)
    page.go_back()  # the entry before the model was chosen
    assert_numbers(page, out, "stand-in")
    page.go_forward()
    assert_numbers(page, out, SECOND)
    # a link to another page carries the model, and its link back brings it home
    page.click("main a[href='vectors.html#figure-13']:visible >> nth=0")
    page.wait_for_load_state("load")
    ready(page)
    assert f"model={SECOND}" in page.url and "index.html" not in page.url
    assert page.input_value("[data-testid=model-select]") == SECOND
    page.click("[data-testid=back-to-core]")
    ready(page)
    assert "index.html" in page.url
    assert_numbers(page, out, SECOND)
    watcher.check()


def test_an_unknown_model_in_the_link_shows_the_default_with_a_notice(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened("index.html" + VIEW + "&model=%3Cb%3Enope%3C%2Fb%3E")
    assert_numbers(page, out, "stand-in")
    notice = page.text_content("#view-notice")
    assert "does not carry" in notice and "<b>" not in notice and "nope" not in notice
    assert page.input_value("[data-testid=model-select]") == "stand-in"
    watcher.check()


def test_a_figure_that_cannot_follow_the_model_says_so(models_opened, models_server):
    _, _, out = models_server
    # the attack lab: the default model's stamped photos
    page, watcher = models_opened(f"fools.html{VIEW}&model={SECOND}")
    page.locator("#attack").scroll_into_view_if_needed()
    page.wait_for_selector("#attack[data-paused=model] [data-testid=model-paused]", timeout=15000)
    line = page.text_content("#attack [data-testid=model-paused]")
    assert f"stand-in’s numbers, not {SECOND}’s" in line and "stamped photos" in line
    assert page.text_content("#bar-summary").startswith(SECOND)
    choose(page, "stand-in")  # the default again: the figure follows the view, and the line goes
    page.wait_for_selector("#attack:not([data-paused])", timeout=15000)
    assert page.locator("[data-testid=model-paused]").count() == 0
    watcher.check()


def test_models_compared_keeps_each_models_own_numbers_while_another_is_chosen(models_opened, models_server):
    """The models figure's first column stays the default model's (handed the default's view), the second l14's."""
    _, _, out = models_server
    page, watcher = models_opened(f"models.html{VIEW}&model={SECOND}")
    page.locator("#models").scroll_into_view_if_needed()
    cells = '#models-table td[data-model="{}"][data-prob]'
    for model in ("stand-in", SECOND):
        page.wait_for_function(f"() => document.querySelectorAll('{cells.format(model)}').length === {len(LABELS)}",
                               timeout=20000)
    page.wait_for_function(f"() => document.getElementById('bar-model-state').dataset.shown === '{SECOND}'")
    assert page.text_content("#bar-summary").startswith(SECOND)  # the page's numbers: the chosen model's
    for model in ("stand-in", SECOND):
        expected = truth(out, model)
        shown = page.evaluate(f"""() => Object.fromEntries([...document.querySelectorAll('{cells.format(model)}')]
            .map((td) => [td.dataset.label, [Number(td.dataset.cosine), Number(td.dataset.prob)]]))""")
        for label, (cosine, prob) in expected.items():
            assert shown[label] == pytest.approx([cosine, prob], abs=1e-6), (model, label)
    watcher.check()


def test_every_page_runs_with_the_second_model(models_opened, models_server):
    """Every page of the site opened on the second model, each figure brought near: no error (a 768-d vector never
    meets a 512-d one), every figure either follows or says it cannot."""
    _, _, out = models_server
    for html in sorted(path.name for path in out.glob("*.html")):
        page, watcher = models_opened(f"{html}{VIEW}&model={SECOND}")
        page.wait_for_function(f"() => document.getElementById('bar-model-state').dataset.shown === '{SECOND}'")
        for widget in page.locator("main .widget[id]").all():
            widget.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        for paused in page.locator("[data-paused=model]").all():
            assert f"not {SECOND}’s" in paused.locator("[data-testid=model-paused]").text_content(), html
        watcher.check()
        page.context.close()


def test_the_numbers_stay_until_the_model_lands_and_a_failed_one_says_so(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened("index.html" + VIEW)
    held = []

    def hold(route):  # the file does not come until released
        held.append(route)
    page.route("**/models/**/model.json", hold)
    choose(page, SECOND)
    page.wait_for_function("() => !document.getElementById('bar-model-state').hidden")
    assert "Loading stand-in-l14" in page.text_content("#bar-model-state")
    assert_numbers(page, out, "stand-in")  # no numbers of a model that is not here yet
    assert f"model={SECOND}" in page.url
    for _ in range(100):  # the route's handler runs when Playwright next reads the page's events: wait for it
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    assert_numbers(page, out, SECOND)
    page.unroute("**/models/**/model.json")
    watcher.check()

    page, watcher = models_opened("index.html" + VIEW)
    page.route("**/models/**/model.json", lambda route: route.abort())
    choose(page, SECOND)
    page.wait_for_function("() => document.getElementById('bar-model-state').textContent.includes('could not')")
    assert_numbers(page, out, "stand-in")
    assert "model=" not in page.url and page.input_value("[data-testid=model-select]") == "stand-in"
    # the browser's own line about the aborted file, if any, is the only problem: the page threw nothing
    assert all("ERR_FAILED" in p or "models/" in p for p in watcher.problems), watcher.problems


def test_centring_on_says_the_second_models_means_are_loading(models_server):
    """Until its own means (models/<id>/data/centre.json) land, the second model's numbers are shown as trained and
    the control bar says so; test_browser_modelfigures.py checks the centred numbers once they are here."""
    browser, url, out = models_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watcher = Watcher(page, url)
    held = []
    page.route("**/models/**/centre.json", lambda route: held.append(route))  # held until released
    page.goto(f"{url}index.html{VIEW}&centred=1&model={SECOND}")
    ready(page)
    assert_numbers(page, out, SECOND)  # its own numbers, as trained, while its means are on their way
    assert "not centred until" in page.text_content("#bar-model-state")
    page.wait_for_function("() => document.body.hasAttribute('data-centred') === false")
    assert held, "the second model's means were asked for"
    held[0].continue_()
    page.wait_for_selector("body[data-centred]", timeout=15000)
    page.wait_for_function("() => document.getElementById('bar-model-state').hidden")
    page.unroute("**/models/**/centre.json")
    watcher.check()
    context.close()


def test_the_text_side_follows_the_second_model(models_opened, models_server):
    """The text tower's attention (towers.html): the second model's own text.json, under its data root."""
    _, _, out = models_server
    text = json.loads((out / "models" / SECOND / "data" / "towers" / "text.json").read_text())
    page, watcher = models_opened(f"towers.html#template=photo&model={SECOND}")
    page.wait_for_function(f"() => document.getElementById('bar-model-state').dataset.shown === '{SECOND}'")
    page.locator("#text-attention").scroll_into_view_if_needed()
    page.select_option("#text-attention-label", "dog")
    figure = "[data-testid=text-attention-figure][data-state=ready][data-label=dog]"
    page.wait_for_function(f"() => document.querySelector('{figure}')?.dataset.key?.startsWith('models/')",
                           timeout=15000)
    record = text["templates"]["photo"]["dog"]
    n = len(record["tokens"])
    rows = decode(record["attention"], n)                                      # (L_text, n)
    got = page.evaluate("""() => [...document.querySelectorAll('#text-attention-grid td[data-value]')]
        .map(td => Number(td.dataset.value))""")
    np.testing.assert_allclose(got, rows[-1], atol=1e-6)
    # the stand-ins' text towers are seeded alike (their numbers here agree): the file read is what tells them apart
    asked = [urlsplit(url).path for _, url, _ in watcher.requests if url.endswith("/text.json")]
    assert asked == [f"/models/{SECOND}/data/towers/text.json"], asked
    assert page.locator("#text-attention[data-paused]").count() == 0
    watcher.check()
