""""Models compared" in Chromium (issue 36, section 2), on the two-model site (conftest `two_models`: the
ViT-B/32-shaped stand-in and the 768-d, 16 x 16 "stand-in-l14"): every number the figure shows equals numpy from
each model's own stored vectors, for a view that is not the default (another photo, template, temperature, and a
vocabulary label whose vectors come from each model's label file); the core article's first view asks nothing of
the second model."""
import base64
import json
from urllib.parse import urlsplit

import numpy as np
import pytest

from explainer.data import label_file_name

SECOND = "stand-in-l14"
LABELS = ["cup of coffee", "cat", "dog", "kitten"]  # kitten: a vocabulary label, not a default one
TAU = 0.0316228
VIEW = f"#photo=coffee&template=itap&tau={TAU}" + "".join(f"&label={label.replace(' ', '+')}" for label in LABELS)


def decode(text, dim):
    """Independent of the page's decoder: little-endian float16 -> float64 rows of dim."""
    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float64).reshape(-1, dim)


def expected(root, vectors, dim, templates, photo_index):
    """{label: (cosine, probability)} from one model's stored vectors: its photo vector, the default labels' vectors
    (vectors: the embeddings/model.json record) and a vocabulary label's from its own label file."""
    defaults = json.loads((root / "data" / "embeddings.json").read_text())["default"]["labels"]
    t = templates.index("itap")
    inline = decode(vectors["text"]["itap"], dim)
    texts = [inline[defaults.index(label)] if label in defaults else
             decode(json.loads((root / label_file_name(label)).read_text())["vectors"], dim)[t] for label in LABELS]
    cosines = np.array(texts) @ decode(vectors["image"], dim)[photo_index]          # (L,)
    logits = cosines / TAU
    p = np.exp(logits - logits.max())
    return dict(zip(LABELS, zip(cosines, p / p.sum(), strict=True), strict=True))


def test_every_models_numbers_equal_numpy_from_its_own_vectors(models_opened, models_server):
    _, _, out = models_server
    page, watcher = models_opened("models.html" + VIEW)
    page.locator("#models").scroll_into_view_if_needed(timeout=10000)
    cells = '#models-table td[data-model="{}"][data-prob]'
    for model in ("stand-in", SECOND):
        page.wait_for_function(f"() => document.querySelectorAll('{cells.format(model)}').length === {len(LABELS)}",
                               timeout=20000)
    shown = page.evaluate("""() => [...document.querySelectorAll('#models-table td[data-model]')].map((td) => ({
        model: td.dataset.model, label: td.dataset.label, prob: Number(td.dataset.prob),
        cosine: Number(td.dataset.cosine)}))""")
    embeddings = json.loads((out / "data" / "embeddings.json").read_text())
    templates = [t["id"] for t in embeddings["templates"]]
    photo = [p["id"] for p in embeddings["photos"]].index("coffee")
    second = json.loads((out / "models" / SECOND / "data" / "model.json").read_text())
    truth = {"stand-in": expected(out, embeddings["vectors"], 512, templates, photo),
             SECOND: expected(out / "models" / SECOND, second["vectors"], 768, templates, photo)}
    assert sorted((c["model"], c["label"]) for c in shown) == sorted((m, label) for m in truth for label in LABELS)
    for c in shown:
        cosine, prob = truth[c["model"]][c["label"]]
        assert c["cosine"] == pytest.approx(cosine, abs=1e-6), c
        assert c["prob"] == pytest.approx(prob, abs=1e-6), c
    assert page.get_attribute("#models", "data-photo") == "coffee"
    for model, numbers in truth.items():  # each model's top label, in bold and in the verdict
        top = max(numbers, key=lambda label: numbers[label][1])
        assert page.get_attribute(f'#models-table td.top[data-model="{model}"]', "data-label") == top
        assert f"“{top}” first" in page.text_content("#models-verdict")
    sizes = page.evaluate("""() => [...document.querySelectorAll('#models-sizes tbody tr')].map((tr) => ({
        ...tr.dataset}))""")
    assert [(s["model"], s["dim"], s["grid"]) for s in sizes] == [("stand-in", "512", "7"), (SECOND, "768", "16")]
    watcher.check()


def test_the_core_articles_first_view_asks_nothing_of_the_second_model(models_opened):
    page, watcher = models_opened("index.html")
    page.wait_for_load_state("networkidle")
    asked = [urlsplit(url).path for _, url, _ in watcher.requests]
    assert any(path.endswith("/index.html") for path in asked)  # the watcher saw the page's own requests
    assert not [path for path in asked if "/models/" in path or path.endswith("figures/models.js")], asked
    watcher.check()


def test_the_models_page_names_each_models_source_and_licence(models_opened):
    page, watcher = models_opened("models.html")
    text = page.text_content("#models-sizes")
    assert text.count("untrained stand-in") == 2 and "seeded random weights" in text
    assert "Live mode runs only the default model" in page.text_content("#models-note")
    watcher.check()
