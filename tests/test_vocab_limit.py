"""A further model's shorter vocabulary (issue 36, section 1: settings.yaml's `models:` entry `{id, vocabulary: N}`):
the entry is checked with its line; the small inputs built once with the default stand-in and "stand-in-l14" limited
to the vocabulary's first LIMIT labels; the second model's label files are exactly those and the labels the page shows
by default; in Chromium, with it chosen, a label outside its list says so in words and shows no numbers (the label row
and "Models compared") while the others show numbers equal to numpy from its own stored vectors."""
import base64
import json
import re
from types import SimpleNamespace

import numpy as np
import pytest
from browser import Watcher, chromium, serve
from conftest import CACHE, cache_lock, make_small_inputs, read_snapshot, shared_once

from explainer.data import label_file_name
from explainer.errors import BuildError
from explainer.modelset import limited_vocabulary, model_keys
from explainer.pipeline import build
from explainer.settings import read_models
from explainer.yamlfile import parse_yaml

SECOND = "stand-in-l14"
LIMIT = 10  # the small vocabulary's 8 default labels, then 2 more
TAU = 0.0316228


def models(text, tmp_path):
    path = tmp_path / "settings.yaml"
    names, keys, _ = read_models(parse_yaml(text, path)["models"], path, 1)
    return names, keys


def test_a_models_entry_may_limit_a_further_models_vocabulary(tmp_path):
    text = f"models:\n  - stand-in\n  - id: {SECOND}\n    vocabulary: 500\n  - {{id: other}}\n"
    assert models(text, tmp_path) == (["stand-in", SECOND, "other"], {"stand-in": {}, SECOND: {"vocabulary": 500},
                                                                     "other": {}})


@pytest.mark.parametrize("text, message, line", [
    ("models:\n  - id: stand-in\n    vocabulary: 5\n", "is the default model .* whole vocabulary", 3),
    (f"models:\n  - stand-in\n  - id: {SECOND}\n    vocabulary: 0\n", "vocabulary must be a whole number .* not 0", 4),
    (f"models:\n  - stand-in\n  - id: {SECOND}\n    vocabulary: '5'\n", "whole number .* not '5'", 4),
    (f"models:\n  - stand-in\n  - id: {SECOND}\n    vocabulary: true\n", "whole number .* not True", 4),
    (f"models:\n  - stand-in\n  - id: {SECOND}\n    vocabulary: 100001\n", "from 1 to 100,000", 4),
    (f"models:\n  - stand-in\n  - id: {SECOND}\n    vocabullary: 5\n", "unknown key 'vocabullary'.*'vocabulary'", 4),
    ("models:\n  - stand-in\n  - vocabulary: 5\n", "missing 'id'", 3),
    ("models:\n  - stand-in\n  - id: 7\n", r"each entry .* not 7", 3),
    (f"models:\n  - stand-in\n  - {SECOND}\n  - id: {SECOND}\n", "listed twice", 4),
])
def test_a_bad_models_entry_names_settings_and_its_line(tmp_path, text, message, line):
    with pytest.raises(BuildError, match=message) as error:
        models(text, tmp_path)
    assert f"settings.yaml:{line}" in str(error.value)


def test_the_limit_keeps_what_the_page_shows_and_only_from_settings():
    content = SimpleNamespace(vocabulary=["a", "b", "cat", "d", "Kitten", "f", "tarantula"], default_labels=["cat"],
                              token_example="tarantula", sections=[SimpleNamespace(
                                  body='<a href="#x" data-add-labels="kitten|b">more</a>')])
    assert limited_vocabulary(content, 1) == ["a", "b", "cat", "Kitten", "tarantula"]  # in the file's order
    assert limited_vocabulary(content, 7) == limited_vocabulary(content, None) == content.vocabulary
    settings = {"model_keys": {SECOND: {"vocabulary": 5}}}
    assert model_keys([], settings, SECOND) == {"vocabulary": 5}
    assert model_keys(["stand-in", SECOND], settings, SECOND) == {}  # --model overrides `models:`, keys and all


@pytest.fixture(scope="session")
def limited(tmp_path_factory, stand_in):
    """(out, the small vocabulary): the small inputs built once, models from settings.yaml, the second limited."""
    def make(folder):
        content, photos = make_small_inputs(folder)
        with (content / "settings.yaml").open("a") as settings:
            settings.write(f"models:\n  - stand-in\n  - id: {SECOND}\n    vocabulary: {LIMIT}\n")
        with cache_lock(tmp_path_factory):
            build(None, folder / "site", content_dir=content, photos_dir=photos, cache_dir=CACHE, live=False,
                  log=lambda line: None)
        return folder / "site", (content / "vocabulary.txt").read_text().splitlines()
    return shared_once(tmp_path_factory, "limited-vocabulary", make)


def kept(vocabulary):
    """The labels the limited model carries, worked out here: the first LIMIT, the token example and the labels the
    sections' link adds (make_small_inputs puts them last; the defaults come first)."""
    return vocabulary[:LIMIT] + ["kitten", "tabby cat", "tarantula"]


def test_the_limited_models_label_files_are_exactly_its_labels(limited):
    out, vocabulary = limited
    data = out / "models" / SECOND / "data"
    assert len(vocabulary) > LIMIT + 8 and vocabulary[-3:] == ["kitten", "tabby cat", "tarantula"]
    assert json.loads((data / "label-names.json").read_text()) == kept(vocabulary)
    assert sorted(p.name for p in (data / "labels").iterdir()) == sorted(
        label_file_name(label).rsplit("/", 1)[1] for label in kept(vocabulary))
    assert json.loads((data / "model.json").read_text())["vocabulary"]["count"] == LIMIT + 3
    entries = read_snapshot((out / "index.html").read_text())["models"]
    assert [(m["id"], m["vocabulary"]) for m in entries] == [("stand-in", len(vocabulary)), (SECOND, LIMIT + 3)]
    assert len(list((out / "data" / "labels").iterdir())) == len(vocabulary)  # the default keeps the whole vocabulary


def decode(text, dim):
    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float64).reshape(-1, dim)


def truth(out, labels):
    """{label: (cosine, probability)} over labels from stand-in-l14's stored vectors, for photo coffee, template
    itap: the default labels' from its model.json, another's from its own label file."""
    root = out / "models" / SECOND
    own = json.loads((root / "data" / "model.json").read_text())
    embeddings = json.loads((out / "data" / "embeddings.json").read_text())
    defaults = embeddings["default"]["labels"]
    t = [template["id"] for template in embeddings["templates"]].index("itap")
    photo = [p["id"] for p in embeddings["photos"]].index("coffee")
    inline = decode(own["vectors"]["text"]["itap"], 768)
    texts = [inline[defaults.index(label)] if label in defaults else
             decode(json.loads((root / label_file_name(label)).read_text())["vectors"], 768)[t] for label in labels]
    cosines = np.array(texts) @ decode(own["vectors"]["image"], 768)[photo]
    p = np.exp((cosines - cosines.max()) / TAU)
    return dict(zip(labels, zip(cosines, p / p.sum(), strict=True), strict=True))


def default_truth(out, labels):
    """{label: (cosine, probability)} over labels from the default model's stored vectors (photo coffee, template
    itap): the default labels' from embeddings.json, another's from its label file."""
    embeddings = json.loads((out / "data" / "embeddings.json").read_text())
    dim = embeddings["model"]["dim"]
    defaults = embeddings["default"]["labels"]
    t = [template["id"] for template in embeddings["templates"]].index("itap")
    photo = [p["id"] for p in embeddings["photos"]].index("coffee")
    inline = decode(embeddings["vectors"]["text"]["itap"], dim)
    texts = [inline[defaults.index(label)] if label in defaults else
             decode(json.loads((out / label_file_name(label)).read_text())["vectors"], dim)[t] for label in labels]
    cosines = np.array(texts) @ decode(embeddings["vectors"]["image"], dim)[photo]
    p = np.exp((cosines - cosines.max()) / TAU)
    return dict(zip(labels, zip(cosines, p / p.sum(), strict=True), strict=True))


def test_a_label_outside_the_chosen_models_vocabulary_says_so(limited):
    out, vocabulary = limited
    inside, outside = ["cat", "dog", vocabulary[LIMIT - 1], "kitten"], vocabulary[LIMIT + 5]
    labels = [*inside[:2], outside, *inside[2:]]
    view = f"#photo=coffee&template=itap&tau={TAU}" + "".join(f"&label={label.replace(' ', '+')}" for label in labels)
    expected = truth(out, inside)
    words = f"not in {SECOND}’s vocabulary"
    with serve(out) as url, chromium() as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        watcher = Watcher(page, url)  # no 404, no console error, nothing thrown
        page.goto(url + "index.html" + view)
        page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
        page.select_option("[data-testid=model-select]", SECOND)
        page.wait_for_function(f"""() => document.getElementById('bar-model-state').dataset.shown === '{SECOND}'
            && document.querySelectorAll('#label-rows tr[data-prob]').length === {len(inside)}""", timeout=15000)
        row = page.locator(f'#label-rows tr[data-label="{outside}"]')
        # the model's list of names may land after the other rows' numbers: until then the row says it is loading
        page.wait_for_selector(f'#label-rows tr[data-label="{outside}"][data-state=elsewhere]', timeout=15000)
        assert row.get_attribute("data-prob") is None
        assert words in row.text_content() and not re.search(r"\d\.\d{4}|%", row.text_content())
        shown = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#label-rows tr[data-prob]')]
            .map((tr) => [tr.dataset.label, [Number(tr.dataset.sim), Number(tr.dataset.prob)]]))""")
        assert sorted(shown) == sorted(inside)
        for label, (cosine, prob) in expected.items():
            assert shown[label] == [pytest.approx(cosine, abs=1e-6), pytest.approx(prob, abs=1e-6)], label
        page.select_option("[data-testid=model-select]", "stand-in")  # back: the default has it, with its numbers
        page.wait_for_selector(f'#label-rows tr[data-label="{outside}"][data-prob]', timeout=15000)
        assert words not in page.text_content("#label-rows")
        # "Models compared": the cell says so; the model's other cells keep numbers, its softmax over what it has.
        # Its code is held until the chosen model is on screen (it came first on a loaded machine): the figure's
        # first view must still be the default's own, every label in it
        held = []
        page.route("**/figures/models.js", lambda route: held.append(route))
        page.goto(url + "models.html" + view + f"&model={SECOND}")
        page.wait_for_function(f"() => document.getElementById('bar-model-state').dataset.shown === '{SECOND}'",
                               timeout=15000)
        page.locator("#models").scroll_into_view_if_needed(timeout=10000)
        for _ in range(100):  # the route's handler runs when Playwright next reads the page's events
            if held:
                break
            page.wait_for_timeout(50)
        held[0].continue_()
        page.unroute("**/figures/models.js")
        cells = f'#models-table td[data-model="{SECOND}"]'
        page.wait_for_function(f"() => document.querySelectorAll('{cells}[data-prob]').length === {len(inside)}",
                               timeout=20000)
        missing = page.locator(f'{cells}[data-label="{outside}"]')
        assert missing.get_attribute("data-missing") == "true" and missing.get_attribute("data-prob") is None
        assert missing.text_content() == words
        for label, (cosine, prob) in expected.items():
            cell = page.locator(f'{cells}[data-label="{label}"]')
            assert float(cell.get_attribute("data-cosine")) == pytest.approx(cosine, abs=1e-6), label
            assert float(cell.get_attribute("data-prob")) == pytest.approx(prob, abs=1e-6), label
        for label, (cosine, prob) in default_truth(out, labels).items():  # the first column: the default's numbers
            cell = page.locator(f'#models-table td[data-model="stand-in"][data-label="{label}"]')
            assert float(cell.get_attribute("data-cosine")) == pytest.approx(cosine, abs=1e-6), label
            assert float(cell.get_attribute("data-prob")) == pytest.approx(prob, abs=1e-6), label
        watcher.check()
