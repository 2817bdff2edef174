"""The figures that fetch their own files follow the chosen model (issue 36, section 2: "every figure follows it"),
on the two-model site (conftest `two_models`: the ViT-B/32-shaped stand-in and the 768-d, 16 x 16 "stand-in-l14"):
after choosing stand-in-l14 in model-select each figure's numbers equal numpy from that model's own stored files
(models/stand-in-l14/data/...), it asks for the file under that model's root and says nothing of being paused;
choosing the default again gives the default's numbers from data/... ."""
import json
from urllib.parse import urlsplit

import numpy as np
import pytest
from browser import decode
from test_browser_modelselect import LABELS, ROWS, SECOND, TAU, VIEW, choose, rows, truth
from test_browser_objective import READ as OBJECTIVE
from test_browser_objective import check_against_numpy
from test_objective import numpy_objective

from explainer.data import label_file_name

DEFAULT = "stand-in"


def model_root(out, model):
    """The model's data root in the site: the site itself for the default, models/<id>/ for a further one."""
    return out if model == DEFAULT else out / "models" / model


def asked(watcher, ending):
    """The paths of the files the page asked for that end with `ending`, in order."""
    return [urlsplit(url).path for _, url, _ in watcher.requests if urlsplit(url).path.endswith(ending)]


def shown_on(page, model):
    page.wait_for_function(f"() => document.getElementById('bar-model-state').dataset.shown === '{model}'",
                           timeout=15000)


def there_and_back(page):
    """A switching test's walk: the default model (as the page opened), the second, the default again; each model
    yielded once the control bar says its numbers are shown."""
    for step, model in enumerate((DEFAULT, SECOND, DEFAULT)):
        if step:
            choose(page, model)
            shown_on(page, model)
        yield model


# ---- score: the vocabulary's sorted cosines behind the percentile (data/scores/<template>/<photo>.json)

def mid_rank(sorted_ints, cosine):
    """The percentile rule, written independently: 100 x (below + equal / 2) / n on the 4-decimal grid."""
    k = int(np.floor(cosine * 10_000 + 0.5))  # JavaScript's Math.round
    below = np.searchsorted(sorted_ints, k, side="left")
    equal = np.searchsorted(sorted_ints, k, side="right") - below
    return 100 * (below + equal / 2) / len(sorted_ints)


def assert_scores(page, out, model):
    page.locator("#score").scroll_into_view_if_needed()
    page.wait_for_function(f"""() => {{ const r = document.querySelector('[data-testid=score-figure]');
        return r.dataset.model === '{model}' && r.dataset.photo === 'coffee' && r.dataset.template === 'itap'
            && r.querySelectorAll('tr[data-label]').length === {len(LABELS)}; }}""", timeout=15000)
    shown = page.evaluate("""() => { const root = document.querySelector('[data-testid=score-figure]');
        return { baseline: Number(root.dataset.baseline), paused: root.dataset.paused ?? null,
                 rows: Object.fromEntries([...root.querySelectorAll('tr[data-label]')].map((tr) => [tr.dataset.label,
                   [Number(tr.dataset.cosine), Number(tr.dataset.percentile), Number(tr.dataset.aboveBaseline)]])) };
    }""")
    record = json.loads((model_root(out, model) / "data" / "scores" / "itap" / "coffee.json").read_text())
    ints = np.cumsum([record["first"], *record["deltas"]])  # the sorted cosines, in units of 1e-4
    assert shown["paused"] is None and shown["baseline"] == record["baseline"]
    for label, (cosine, _) in truth(out, model).items():
        got = shown["rows"][label]
        assert got[0] == pytest.approx(cosine, abs=1e-6), (model, label)
        assert got[1] == pytest.approx(mid_rank(ints, cosine), abs=1e-6), (model, label)
        assert got[2] == pytest.approx(cosine - record["baseline"], abs=1e-6), (model, label)


def test_the_score_figure_follows_the_chosen_model(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened("numbers.html" + VIEW)
    for model in there_and_back(page):
        assert_scores(page, out, model)
        assert page.locator("#score[data-paused]").count() == 0
    # back: the default's file was already here
    assert asked(watcher, "/scores/itap/coffee.json") == ["/data/scores/itap/coffee.json",
                                                          f"/models/{SECOND}/data/scores/itap/coffee.json"]
    watcher.check()


# ---- objective: the batch's captions' vectors (data/objective.json)

def stored_images(out, model):
    """(P, dim) the photos' vectors as the model's file stores them (embeddings.json, or model.json)."""
    record = json.loads(((out / "data" / "embeddings.json") if model == DEFAULT
                         else (out / "models" / model / "data" / "model.json")).read_text())
    return decode(record["vectors"]["image"], record["model"]["dim"])


def assert_objective(page, out, model):
    page.locator("#objective").scroll_into_view_if_needed()
    batch = json.loads((model_root(out, model) / "data" / "objective.json").read_text())
    images = stored_images(out, model)
    captions = decode(batch["vectors"], images.shape[1])                       # (P, dim)
    loss = numpy_objective(images @ captions.T / TAU)["loss"]
    page.wait_for_function(f"""() => {{ const root = document.getElementById('objective');
        return root.dataset.model === '{model}' && Math.abs(root.dataset.loss - {loss}) < 1e-6; }}""", timeout=15000)
    check_against_numpy(page.evaluate(OBJECTIVE), images, captions, TAU)
    assert page.locator("#objective[data-paused]").count() == 0


def test_the_objective_figure_follows_the_chosen_model(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened("numbers.html" + VIEW)
    for model in there_and_back(page):
        assert_objective(page, out, model)
    assert asked(watcher, "/objective.json") == ["/data/objective.json", f"/models/{SECOND}/data/objective.json"]
    watcher.check()


# ---- centre: "centre the space" by the model's own means (data/centre.json)

def view_vectors(out, model):
    """The view's (labels, dim) text vectors under itap and the coffee photo's (dim,) vector, from the model's files."""
    root = model_root(out, model)
    record = json.loads((out / "data" / "embeddings.json").read_text())
    vectors = json.loads((root / "data" / ("embeddings.json" if model == DEFAULT else "model.json")).read_text())
    dim = vectors["model"]["dim"]
    defaults = record["default"]["labels"]
    t = [template["id"] for template in record["templates"]].index("itap")
    inline = decode(vectors["vectors"]["text"]["itap"], dim)
    texts = np.stack([inline[defaults.index(label)] if label in defaults else
                      decode(json.loads((root / label_file_name(label)).read_text())["vectors"], dim)[t]
                      for label in LABELS])
    image = decode(vectors["vectors"]["image"], dim)[[p["id"] for p in record["photos"]].index("coffee")]
    return texts, image


def unit(vectors, mean):
    """vectors minus mean, back to unit length (centring written independently of the page)."""
    out = np.asarray(vectors, dtype=np.float64) - mean
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def centred_truth(out, model):
    """{label: (cosine, probability)} for the view centred by the model's own means."""
    texts, image = view_vectors(out, model)
    means = json.loads((model_root(out, model) / "data" / "centre.json").read_text())
    dim = texts.shape[1]
    cosines = unit(texts, decode(means["text"]["itap"], dim)[0]) @ unit(image, decode(means["image"], dim)[0])
    p = np.exp((cosines - cosines.max()) / TAU)
    return dict(zip(LABELS, zip(cosines, p / p.sum(), strict=True), strict=True))


def assert_centred_rows(page, out, model):
    expected = centred_truth(out, model)
    page.wait_for_function(f"""() => document.body.hasAttribute('data-centred')
        && document.querySelectorAll('{ROWS}').length === {len(LABELS)}
        && document.getElementById('bar-model-state').dataset.shown === '{model}'
        && Math.abs(document.querySelector('{ROWS}[data-label=dog]').dataset.sim - {expected['dog'][0]}) < 1e-6""",
                           timeout=15000)
    shown = rows(page)
    for label, (cosine, prob) in expected.items():
        assert shown[label] == pytest.approx([cosine, prob], abs=1e-6), (model, label)
    raw = truth(out, model)  # the centring did change the numbers
    assert max(abs(shown[label][0] - raw[label][0]) for label in LABELS) > 1e-3


def test_centring_follows_the_chosen_model(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened(f"index.html{VIEW}&centred=1")
    assert_centred_rows(page, out, DEFAULT)
    choose(page, SECOND)
    assert_centred_rows(page, out, SECOND)
    assert page.is_hidden("#bar-model-state")  # nothing to say: its own means are here
    assert asked(watcher, "/centre.json") == ["/data/centre.json", f"/models/{SECOND}/data/centre.json"]
    choose(page, DEFAULT)
    assert_centred_rows(page, out, DEFAULT)
    assert len(asked(watcher, "/centre.json")) == 2
    watcher.check()

    # the deep dive: the switch says on, the figure is not paused, and the score figure places the centred cosines
    # among the vocabulary's centred ones from stand-in-l14's own scores file
    page, watcher = models_opened(f"numbers.html{VIEW}&centred=1&model={SECOND}")
    shown_on(page, SECOND)
    page.locator("#centre").scroll_into_view_if_needed()
    page.wait_for_selector("#centre:not([data-stale])", state="attached", timeout=10000)
    assert page.is_checked("[data-testid=centre-switch]") and page.locator("#centre[data-paused]").count() == 0
    page.wait_for_function("() => document.getElementById('centre-reading').textContent.startsWith('Centred')",
                           timeout=10000)
    page.locator("#score").scroll_into_view_if_needed()
    page.wait_for_function(f"""() => {{ const r = document.querySelector('[data-testid=score-figure]');
        return r.dataset.model === '{SECOND}' && r.querySelectorAll('tr[data-label]').length === {len(LABELS)}; }}""",
                           timeout=15000)
    record = json.loads((out / "models" / SECOND / "data" / "scores" / "itap" / "coffee.json").read_text())["centred"]
    ints = np.cumsum([record["first"], *record["deltas"]])
    got = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#score tr[data-label]')]
        .map((tr) => [tr.dataset.label, [Number(tr.dataset.cosine), Number(tr.dataset.percentile)]]))""")
    assert float(page.get_attribute("#score", "data-baseline")) == record["baseline"]
    for label, (cosine, _) in centred_truth(out, SECOND).items():
        assert got[label] == pytest.approx([cosine, mid_rank(ints, cosine)], abs=1e-6), label
    watcher.check()


# ---- attention and lens: the image tower's numbers (data/towers/<photo>.json), on the model's own patch grid

ATTENTION = "[data-testid=attention-figure]"
LENS = "[data-testid=lens-figure]"


def stored_towers(out, model, photo="coffee"):
    """The towers file's record, attention (L, H, tokens) of the class token, rollout (L, tokens) and lens (L, dim)."""
    data = json.loads((model_root(out, model) / "data" / "towers" / f"{photo}.json").read_text())
    tokens = 1 + data["grid"] ** 2
    attention = decode(data["attention"], tokens).reshape(data["layers"], data["heads"], tokens)
    dim = 512 if model == DEFAULT else 768
    return data, attention, decode(data["rollout"], tokens), decode(data["lens"], dim)


def assert_attention(page, out, model):
    data, attention, rollout, _ = stored_towers(out, model)
    layers, grid = data["layers"], data["grid"]
    page.locator("#attention").scroll_into_view_if_needed()
    page.wait_for_selector(f"{ATTENTION}[data-state=ready][data-model='{model}'][data-photo=coffee]"
                           f"[data-layer='{layers}'][data-head=mean]", timeout=15000)
    got = page.evaluate("""() => [...document.querySelectorAll('#attention-cells rect')]
        .map(r => [Number(r.dataset.row), Number(r.dataset.col), Number(r.dataset.value)])""")
    assert [(r, c) for r, c, _ in got] == [(k // grid, k % grid) for k in range(grid * grid)]
    np.testing.assert_allclose([v for *_, v in got], attention[-1].mean(axis=0)[1:], atol=1e-6)
    assert page.get_attribute("#attention-cells", "viewBox") == f"0 0 {grid} {grid}"
    assert f"{grid} by {grid}" in page.get_attribute(f"{ATTENTION} .towers-stage", "aria-label")
    assert page.locator("#attention[data-paused]").count() == 0
    return data, attention, rollout


def assert_lens(page, out, model):
    data, _, _, lens = stored_towers(out, model)
    texts, _ = view_vectors(out, model)
    page.locator("#lens").scroll_into_view_if_needed()
    page.wait_for_selector(f"{LENS}[data-state=ready][data-model='{model}']", timeout=15000)
    points = page.evaluate("""() => [...document.querySelectorAll('[data-testid=lens-figure] circle[data-layer]')]
        .map(c => [Number(c.dataset.layer), c.dataset.label, Number(c.dataset.cosine), Number(c.dataset.prob)])""")
    assert len(points) == data["layers"] * len(LABELS)
    cosines = lens @ texts.T                                                    # (L, labels)
    probs = np.exp((cosines - cosines.max(axis=1, keepdims=True)) / TAU)
    probs /= probs.sum(axis=1, keepdims=True)
    for layer, label, cosine, prob in points:
        i = LABELS.index(label)
        assert cosine == pytest.approx(cosines[layer - 1, i], abs=1e-6), (model, layer, label)
        assert prob == pytest.approx(probs[layer - 1, i], abs=1e-6), (model, layer, label)
    last = {label: prob for layer, label, _, prob in points if layer == data["layers"]}
    for label, (_, prob) in truth(out, model).items():  # its last layer: the page's probabilities for that model
        assert last[label] == pytest.approx(prob, abs=1e-6), (model, label)
    assert page.locator("#lens[data-paused]").count() == 0


def test_attention_and_lens_follow_the_chosen_model_on_its_own_grid(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened("towers.html" + VIEW)
    assert_attention(page, out, DEFAULT)
    assert_lens(page, out, DEFAULT)
    choose(page, SECOND)
    shown_on(page, SECOND)
    data, attention, rollout = assert_attention(page, out, SECOND)
    assert data["grid"] == 16  # stand-in-l14: 16 x 16 patches, drawn as 256 cells
    # one head at layer 1, then the rollout, on its grid
    page.focus(f"{ATTENTION} .towers-stage")
    page.keyboard.press("Home")
    page.select_option("#attention-head", str(data["heads"]))
    page.wait_for_selector(f"{ATTENTION}[data-model='{SECOND}'][data-layer='1'][data-head='{data['heads']}']")
    values = page.evaluate("() => [...document.querySelectorAll('#attention-cells rect')].map(r => +r.dataset.value)")
    np.testing.assert_allclose(values, attention[0, data["heads"] - 1, 1:], atol=1e-6)
    page.check("#attention-rollout")
    page.wait_for_selector(f"{ATTENTION}[data-model='{SECOND}'][data-view=rollout][data-layer='1']")
    values = page.evaluate("() => [...document.querySelectorAll('#attention-cells rect')].map(r => +r.dataset.value)")
    np.testing.assert_allclose(values, rollout[0, 1:], atol=1e-6)
    page.uncheck("#attention-rollout")
    page.keyboard.press("End")
    page.select_option("#attention-head", "mean")
    assert_lens(page, out, SECOND)
    assert asked(watcher, "/towers/coffee.json") == ["/data/towers/coffee.json",
                                                     f"/models/{SECOND}/data/towers/coffee.json"]
    choose(page, DEFAULT)  # back: the default's grid and numbers, its file already here
    shown_on(page, DEFAULT)
    page.focus(f"{ATTENTION} .towers-stage")
    page.keyboard.press("End")
    assert_attention(page, out, DEFAULT)
    assert_lens(page, out, DEFAULT)
    assert len(asked(watcher, "/towers/coffee.json")) == 2
    watcher.check()
