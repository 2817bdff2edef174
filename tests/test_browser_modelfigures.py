"""The figures that fetch their own files follow the chosen model (issue 36, section 2: "every figure follows it"),
on the two-model site (conftest `two_models`: the ViT-B/32-shaped stand-in and the 768-d, 16 x 16 "stand-in-l14"):
after choosing stand-in-l14 in model-select each figure's numbers equal numpy from that model's own stored files
(models/stand-in-l14/data/...), it asks for the file under that model's root and says nothing of being paused;
choosing the default again gives the default's numbers from data/... ."""
import json
from urllib.parse import urlsplit

import numpy as np
import pytest
from browser import Watcher, chromium, decode, serve
from test_browser_modelselect import LABELS, ROWS, SECOND, TAU, VIEW, choose, ready, rows, truth
from test_browser_objective import READ as OBJECTIVE
from test_browser_objective import check_against_numpy
from test_objective import numpy_objective

from explainer.data import label_file_name

DEFAULT = "stand-in"


def model_root(out, model):
    """The model's data root in the site: the site itself for the default, models/<id>/ for a further one."""
    return out if model == DEFAULT else out / "models" / model


@pytest.fixture(scope="module")
def figures_server(two_models):
    out, _ = two_models
    with serve(out) as url, chromium() as browser:
        yield browser, url, out


@pytest.fixture
def opened(figures_server):
    browser, url, _ = figures_server
    contexts = []

    def opener(path):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        watcher = Watcher(page, url)
        page.goto(url + path)
        ready(page)
        return page, watcher

    yield opener
    for context in contexts:
        context.close()


def asked(watcher, ending):
    """The paths of the files the page asked for that end with `ending`, in order."""
    return [urlsplit(url).path for _, url, _ in watcher.requests if urlsplit(url).path.endswith(ending)]


def shown_on(page, model):
    page.wait_for_function(f"() => document.getElementById('bar-model-state').dataset.shown === '{model}'",
                           timeout=15000)


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


def test_the_score_figure_follows_the_chosen_model(opened, figures_server):
    _, _, out = figures_server
    page, watcher = opened("numbers.html" + VIEW)
    assert_scores(page, out, DEFAULT)
    choose(page, SECOND)
    shown_on(page, SECOND)
    assert_scores(page, out, SECOND)
    assert page.locator("#score[data-paused]").count() == 0
    assert asked(watcher, "/scores/itap/coffee.json") == ["/data/scores/itap/coffee.json",
                                                          f"/models/{SECOND}/data/scores/itap/coffee.json"]
    choose(page, DEFAULT)  # back: the default's file, already here
    shown_on(page, DEFAULT)
    assert_scores(page, out, DEFAULT)
    assert len(asked(watcher, "/scores/itap/coffee.json")) == 2
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


def test_the_objective_figure_follows_the_chosen_model(opened, figures_server):
    _, _, out = figures_server
    page, watcher = opened("numbers.html" + VIEW)
    assert_objective(page, out, DEFAULT)
    choose(page, SECOND)
    shown_on(page, SECOND)
    assert_objective(page, out, SECOND)
    assert asked(watcher, "/objective.json") == ["/data/objective.json", f"/models/{SECOND}/data/objective.json"]
    choose(page, DEFAULT)
    shown_on(page, DEFAULT)
    assert_objective(page, out, DEFAULT)
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


def test_centring_follows_the_chosen_model(opened, figures_server):
    _, _, out = figures_server
    page, watcher = opened(f"index.html{VIEW}&centred=1")
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
    page, watcher = opened(f"numbers.html{VIEW}&centred=1&model={SECOND}")
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


def test_attention_and_lens_follow_the_chosen_model_on_its_own_grid(opened, figures_server):
    _, _, out = figures_server
    page, watcher = opened("towers.html" + VIEW)
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


# ---- saliency and rival: the occlusion map on the model's own grid (data/occlusion.json)

WHY = "&why=dog&rival=cat"


def occlusion_truth(out, model):
    """(grid, values): the difference map "dog" minus "cat" for the coffee photo, from the model's occluded vectors."""
    texts, image = view_vectors(out, model)
    dim = texts.shape[1]
    stored = json.loads((model_root(out, model) / "data" / "occlusion.json").read_text())
    occluded = decode(stored["photos"]["coffee"], dim)                         # (grid * grid, dim)
    drops = [image @ texts[LABELS.index(label)] - occluded @ texts[LABELS.index(label)] for label in ("dog", "cat")]
    return int(round(len(occluded) ** 0.5)), drops[0] - drops[1]


def map_cells(page, box):
    return page.evaluate(f"""() => [...document.querySelectorAll('{box} .saliency-cells rect[data-row]')]
        .map(r => [Number(r.dataset.row), Number(r.dataset.col), Number(r.dataset.value)])""")


def assert_map(page, out, model, figure, box):
    grid, values = occlusion_truth(out, model)
    page.locator(figure).scroll_into_view_if_needed()
    page.wait_for_function(f"""() => document.querySelector('{figure}').dataset.model === '{model}'
        && document.querySelectorAll('{box} .saliency-cells rect[data-row]').length === {grid * grid}""",
                           timeout=15000)
    got = map_cells(page, box)
    assert [(r, c) for r, c, _ in got] == [(k // grid, k % grid) for k in range(grid * grid)]
    np.testing.assert_allclose([v for *_, v in got], values, atol=1e-6)
    assert page.get_attribute(f"{box} .saliency-cells", "viewBox") == f"0 0 {grid} {grid}"
    assert page.locator(f"{figure.split(' ')[0]}[data-paused]").count() == 0
    return grid


def test_the_occlusion_map_follows_the_chosen_model_on_its_own_grid(opened, figures_server):
    _, _, out = figures_server
    page, watcher = opened(f"occlusion.html{VIEW}{WHY}")
    saliency = ("#saliency-figure[data-state=ready]", "#saliency-figure")
    assert assert_map(page, out, DEFAULT, *saliency) == 7
    choose(page, SECOND)
    shown_on(page, SECOND)
    assert assert_map(page, out, SECOND, *saliency) == 16
    assert page.evaluate("document.querySelectorAll('#saliency-table thead th').length") == 17  # row + 16 columns
    assert "16 by 16" in page.get_attribute("#saliency-figure .saliency-stage", "aria-label")
    assert page.locator("#saliency-figure .saliency-cells .saliency-mark").count() == 1
    assert asked(watcher, "/occlusion.json") == ["/data/occlusion.json", f"/models/{SECOND}/data/occlusion.json"]
    choose(page, DEFAULT)
    shown_on(page, DEFAULT)
    assert assert_map(page, out, DEFAULT, *saliency) == 7
    watcher.check()

    # the rival figure's difference map (vectors.html), drawn from the same files
    page, watcher = opened(f"vectors.html{VIEW}{WHY}&model={SECOND}")
    shown_on(page, SECOND)
    rival = ("#rival-figure", "#rival-map[data-state=ready]")
    assert assert_map(page, out, SECOND, *rival) == 16
    choose(page, DEFAULT)
    shown_on(page, DEFAULT)
    assert assert_map(page, out, DEFAULT, *rival) == 7
    watcher.check()


# ---- gap and crowding: the modality gap's basis and cloud, label crowding's near-synonyms (figures.json)

def model_record(out, model):
    """The snapshot-like record of the model: the page's inline snapshot's keys for the default, model.json's else."""
    if model == DEFAULT:
        html = (out / "space.html").read_text()
        start = html.index('<script type="application/json" id="snapshot">') + len(
            '<script type="application/json" id="snapshot">')
        return json.loads(html[start:html.index("</script>", start)])
    return json.loads((out / "models" / model / "data" / "model.json").read_text())


def test_the_gap_follows_the_chosen_model(opened, figures_server):
    _, _, out = figures_server
    page, watcher = opened("space.html" + VIEW)
    for model in (DEFAULT, SECOND, DEFAULT):
        if model != DEFAULT or asked(watcher, "/figures.json"):
            choose(page, model)
            shown_on(page, model)
        record = model_record(out, model)
        cloud = len(json.loads((model_root(out, model) / "data" / "figures.json").read_text())["cloud_names"])
        page.locator("#gap").scroll_into_view_if_needed()
        page.wait_for_selector(f"#gap-table[data-model='{model}'][data-cloud='{cloud}']", state="attached",
                               timeout=15000)
        dim = record["model"]["dim"]
        mean, components = decode(record["gap"]["mean"], dim)[0], decode(record["gap"]["components"], dim)
        texts, _ = view_vectors(out, model)
        images = stored_images(out, model)
        points = page.evaluate("""() => [...document.querySelectorAll('#gap-table tbody tr')].map(
            tr => [tr.querySelector('th').textContent, Number(tr.dataset.x), Number(tr.dataset.y)])""")
        assert [name for name, *_ in points][len(images):] == LABELS
        expected = np.concatenate([images, texts]) @ components.T - mean @ components.T    # (P + labels, 2)
        np.testing.assert_allclose([p[1:] for p in points], expected, atol=1e-6)
        assert page.locator("#gap[data-paused]").count() == 0
    assert asked(watcher, "/figures.json") == ["/data/figures.json", f"/models/{SECOND}/data/figures.json"]
    watcher.check()


def crowding_truth(out, model):
    """(added names, the top label's probability after each): the near-synonyms of the view's top label from the
    model's figures.json (a default label) or its label file (another), added one at a time to the softmax."""
    truths = truth(out, model)
    top = max(LABELS, key=lambda label: truths[label][1])
    root = model_root(out, model)
    stored = json.loads((root / "data" / "figures.json").read_text())["crowding"]["itap"]
    near = stored[top] if top in stored else json.loads((root / label_file_name(top)).read_text())["neighbours"]["itap"]
    photo = [p["id"] for p in json.loads((out / "data" / "embeddings.json").read_text())["photos"]].index("coffee")
    added = [(name, sims[photo]) for name, sims in near if name not in LABELS]
    sims = np.array([truths[label][0] for label in LABELS])
    tops = []
    for n in range(len(added) + 1):
        scores = np.concatenate([sims, [s for _, s in added[:n]]])
        p = np.exp((scores - scores.max()) / TAU)
        tops.append((p / p.sum())[LABELS.index(top)])
    return [name for name, _ in added], tops


def test_crowding_follows_the_chosen_model(opened, figures_server):
    _, _, out = figures_server
    page, watcher = opened("myths.html" + VIEW)
    for model in (DEFAULT, SECOND, DEFAULT):
        if model != DEFAULT or asked(watcher, "/figures.json"):
            choose(page, model)
            shown_on(page, model)
        added, tops = crowding_truth(out, model)
        page.locator("#crowding").scroll_into_view_if_needed()
        page.wait_for_function(f"""() => {{ const s = document.getElementById('crowding-summary');
            return s.dataset.state === 'live' && s.dataset.model === '{model}'
                && document.querySelectorAll('#crowding-table tbody tr').length === {len(added) + 1}; }}""",
                               timeout=15000)
        rows = page.evaluate("""() => [...document.querySelectorAll('#crowding-table tbody tr')].map(
            tr => [tr.querySelector('th').textContent, Number(tr.dataset.top)])""")
        assert [name for name, _ in rows] == ["(none yet)"] + added, model
        np.testing.assert_allclose([top for _, top in rows], tops, atol=1e-6)
        assert page.locator("#crowding[data-paused]").count() == 0
    assert asked(watcher, "/figures.json") == ["/data/figures.json", f"/models/{SECOND}/data/figures.json"]
    watcher.check()


# ---- what the encoder sees: the model's own preprocessing (seen/<photo>-*.png, seen/stats.json) and patch grid

def assert_seen(page, out, model):
    record = model_record(out, model)["model"]
    size, patch = record["image_size"], record["patch_size"]
    n = size // patch
    stats = json.loads((model_root(out, model) / "seen" / "stats.json").read_text())["coffee"]
    prefix = "" if model == DEFAULT else f"models/{model}/"
    page.locator("#seen").scroll_into_view_if_needed()
    page.wait_for_function(f"""() => document.getElementById('seen').dataset.model === '{model}'
        && document.getElementById('seen-input').getAttribute('src') === '{prefix}seen/coffee-input.png'
        && Number(document.getElementById('seen-r-stats').dataset.mean) === {stats['r']['mean']}""", timeout=15000)
    for channel in ("r", "g", "b"):
        assert page.get_attribute(f"#seen-{channel}", "src") == f"{prefix}seen/coffee-{channel}.png"
        assert float(page.get_attribute(f"#seen-{channel}-stats", "data-mean")) == stats[channel]["mean"]
    assert page.locator("#seen-grid line").count() == 2 * (n - 1)
    assert page.get_attribute("#seen-grid", "viewBox") == f"0 0 {n} {n}"
    assert page.text_content("#seen-input-caption") == (f"The {size} × {size} input, cut into {n} × {n} = {n * n} "
                                                        f"patches of {patch} × {patch} pixels.")
    assert page.locator("#seen[data-paused]").count() == 0
    assert (model_root(out, model) / "seen" / "coffee-input.png").is_file()
    return n


def test_what_the_encoder_sees_follows_the_chosen_model(opened, figures_server):
    _, _, out = figures_server
    page, watcher = opened("seen.html" + VIEW)
    assert assert_seen(page, out, DEFAULT) == 7
    choose(page, SECOND)
    shown_on(page, SECOND)
    assert assert_seen(page, out, SECOND) == 16
    assert asked(watcher, "/stats.json") == ["/seen/stats.json", f"/models/{SECOND}/seen/stats.json"]
    choose(page, DEFAULT)
    shown_on(page, DEFAULT)
    assert assert_seen(page, out, DEFAULT) == 7
    watcher.check()
