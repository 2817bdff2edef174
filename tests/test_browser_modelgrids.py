"""The figures drawn on the model's own patch grid or from its own figures.json follow the chosen model (issue 36,
section 2), on the two-model site (conftest `two_models`): the occlusion map and the rival's difference map (7 x 7
for the default, 16 x 16 for stand-in-l14), the modality gap and label crowding, what the encoder sees, and "Models
compared"'s occlusion maps side by side; each equals numpy from that model's own stored files."""
import json

import numpy as np
from browser import decode
from test_browser_modelfigures import DEFAULT, asked, model_root, shown_on, stored_images, there_and_back, view_vectors
from test_browser_modelselect import LABELS, SECOND, TAU, VIEW, choose, truth

from explainer.data import label_file_name

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


def test_the_occlusion_map_follows_the_chosen_model_on_its_own_grid(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened(f"occlusion.html{VIEW}{WHY}")
    saliency = ("#saliency-figure[data-state=ready]", "#saliency-figure")
    for model in there_and_back(page):
        grid = assert_map(page, out, model, *saliency)
        assert grid == (16 if model == SECOND else 7)
        assert page.evaluate("document.querySelectorAll('#saliency-table thead th').length") == grid + 1  # + row
        assert f"{grid} by {grid}" in page.get_attribute("#saliency-figure .saliency-stage", "aria-label")
        assert page.locator("#saliency-figure .saliency-cells .saliency-mark").count() == 1
    assert asked(watcher, "/occlusion.json") == ["/data/occlusion.json", f"/models/{SECOND}/data/occlusion.json"]
    watcher.check()

    # the rival figure's difference map (vectors.html), drawn from the same files
    page, watcher = models_opened(f"vectors.html{VIEW}{WHY}&model={SECOND}")
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


def test_the_gap_follows_the_chosen_model(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened("space.html" + VIEW)
    for model in there_and_back(page):
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


def test_crowding_follows_the_chosen_model(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened("myths.html" + VIEW)
    for model in there_and_back(page):
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


def test_what_the_encoder_sees_follows_the_chosen_model(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened("seen.html" + VIEW)
    for model in there_and_back(page):
        assert assert_seen(page, out, model) == (16 if model == SECOND else 7)
    assert asked(watcher, "/stats.json") == ["/seen/stats.json", f"/models/{SECOND}/seen/stats.json"]
    watcher.check()


# ---- "Models compared": each model's occlusion map side by side, each on its own grid (models.html)

def test_the_models_page_shows_each_models_occlusion_map_on_its_own_grid(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened(f"models.html{VIEW}&why=kitten")  # kitten: each model's vector from its label file
    page.locator("#models-maps").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    assert not asked(watcher, "/occlusion.json")  # nothing before the reader asks
    offer = page.text_content("[data-testid=models-maps-draw]")
    photos = len(json.loads((out / "data" / "embeddings.json").read_text())["photos"])
    size = sum(photos * grid * grid * dim * 2 * 4 / 3 for grid, dim in ((7, 512), (16, 768))) / 1e6
    assert f"downloads about {size:.1f} MB" in offer, offer
    page.click("[data-testid=models-maps-draw]")
    page.wait_for_function("""() => [...document.querySelectorAll('#models-maps .models-map')]
        .every((f) => f.dataset.state === 'ready')""", timeout=20000)
    assert page.get_attribute("#models-maps", "data-label") == "kitten"
    grids = []
    for model in (DEFAULT, SECOND):
        texts, image = view_vectors(out, model)
        text = texts[LABELS.index("kitten")]
        dim = len(image)
        occluded = decode(json.loads((model_root(out, model) / "data" / "occlusion.json").read_text())["photos"]
                          ["coffee"], dim)                                      # (grid * grid, dim)
        grid = int(round(len(occluded) ** 0.5))
        grids.append(grid)
        got = map_cells(page, f'#models-maps .models-map[data-model="{model}"]')
        assert [(r, c) for r, c, _ in got] == [(k // grid, k % grid) for k in range(grid * grid)], model
        np.testing.assert_allclose([v for *_, v in got], image @ text - occluded @ text, atol=1e-6)
        caption = page.text_content(f'#models-maps .models-map[data-model="{model}"] figcaption')
        assert f"up to {max(image @ text - occluded @ text):.4f}" in caption, caption
    assert grids == [7, 16]  # the ViT-B/32-shaped stand-in's grid and the ViT-L/14-shaped one's, side by side
    watcher.check()
