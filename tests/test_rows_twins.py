"""The chart rows and the token layout are built twice: in Python for the static SVG and the no-JS page
(explainer/charts.py, explainer/tokens.py), and in the browser for the live page (templates/assets/rows.js,
tokenlayout.js). Both sides get the same numbers, here for the default view and for seeded random views,
and must give the same rows: text, flags and integers exactly, numbers to 1e-12."""
import base64
import json
import math
import random
import subprocess
from types import SimpleNamespace

import numpy as np
import pytest

from browser import vocabulary_tokens, vocabulary_vectors
from conftest import ROOT, read_snapshot
from explainer import charts
from explainer.tokens import layout_tokens


def decode(text, dim):
    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float64).reshape(-1, dim)


def softmax(sims, tau):
    e = np.exp((sims - sims.max(axis=-1, keepdims=True)) / tau)
    return e / e.sum(axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def stored(site):
    out, _ = site
    snapshot = read_snapshot((out / "index.html").read_text())
    vocabulary = vocabulary_tokens(out)  # gathered from the per-label files
    dim = snapshot["model"]["dim"]
    texts = {t: v.astype(np.float32) for t, v in
             vocabulary_vectors(out, tuple(t["id"] for t in snapshot["templates"]), dim).items()}
    return dict(out=out, snapshot=snapshot, vocabulary=vocabulary, images=decode(snapshot["vectors"]["image"], dim),
                texts=texts)


def run_js(out, calls, tmp_path):
    path = tmp_path / "calls.json"
    path.write_text(json.dumps(calls))
    result = subprocess.run(["node", str(ROOT / "tests" / "rows_in_node.mjs"), str(out), str(path)],
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout)


def same(js, py, where):
    """Exact for text, flags and integers; numbers to 1e-12 (both sides compute in float64)."""
    if isinstance(py, bool) or isinstance(js, bool):
        assert js is py, where
    elif isinstance(py, (int, float)) and not isinstance(py, bool):
        assert isinstance(js, (int, float)) and math.isclose(js, py, rel_tol=1e-12, abs_tol=1e-12), (where, js, py)
    elif isinstance(py, dict):
        assert isinstance(js, dict) and sorted(js) == sorted(py), (where, js, py)
        for key in py:
            same(js[key], py[key], f"{where}.{key}")
    elif isinstance(py, (list, tuple)):
        assert isinstance(js, list) and len(js) == len(py), (where, len(js), len(py))
        for i, (a, b) in enumerate(zip(js, py)):
            same(a, b, f"{where}[{i}]")
    else:
        assert js == py, (where, js, py)


def view_calls(stored, photo, template_id, labels, tau_index):
    """(js call, python result) pairs for every chart of one view, from the same float64 numbers."""
    snapshot, images = stored["snapshot"], stored["images"]
    index = {label: i for i, label in enumerate(stored["vocabulary"]["labels"])}
    temperatures = snapshot["temperatures"]
    tau = temperatures[tau_index]
    texts = {t: v[[index[label] for label in labels]] for t, v in stored["texts"].items()}  # (L, dim) each
    sims = texts[template_id] @ images[photo]
    probs = softmax(sims, tau)
    rows = charts.label_rows(labels, sims, probs)
    charted = [row["order"] for row in rows]
    titles = [p["title"] for p in snapshot["photos"]]
    names = [charts.template_name(SimpleNamespace(**t), snapshot["ensemble_size"]) for t in snapshot["templates"]]
    template_probs = np.array([softmax(texts[t["id"]] @ images[photo], tau) for t in snapshot["templates"]])
    sweep = softmax(sims[None, :] / np.array(temperatures)[:, None], 1.0)  # (n_tau, L)
    entropy = -(sweep * np.log(np.where(sweep > 0, sweep, 1))).sum(axis=1)
    matrix = images @ texts[template_id][charted].T  # (P, charted)
    vocabulary, all_texts = stored["vocabulary"]["labels"], stored["texts"][template_id]
    nearest = np.argsort(-(all_texts @ all_texts[index[labels[int(np.argmax(sims))]]]))[1:6]  # near-synonyms
    added = [[vocabulary[j], float(images[photo] @ all_texts[j])] for j in nearest if vocabulary[j] not in labels]
    steps = charts.crowding_steps(sims, added, tau)
    cases = [
        (("label_rows", "labelRows", [labels, sims.tolist(), probs.tolist()]), rows),
        (("vector_rows", "vectorRows", [images[photo].tolist()]), charts.vector_rows(images[photo])),
        (("matrix_rows", "matrixRows", [titles, rows, matrix.tolist(), photo, "similarity"]),
         charts.matrix_rows(titles, rows, matrix, photo, "similarity")),
        (("matrix_rows", "matrixRows", [titles, rows, softmax(matrix, tau).tolist(), photo, "probability"]),
         charts.matrix_rows(titles, rows, softmax(matrix, tau), photo, "probability")),
        (("template_rows", "templateRows", [names, labels, template_probs.tolist()]),
         charts.template_rows(names, labels, template_probs)),
        (("template_rows", "templateRows", [names, labels, template_probs.tolist(), 40, 1]),  # template 1 chosen
         charts.template_rows(names, labels, template_probs, 40, current=1)),
        (("sweep_rows", "sweepRows", [rows, temperatures, sweep.tolist(), entropy.tolist(), tau]),
         charts.sweep_rows(rows, temperatures, sweep, entropy, tau)),
        (("crowding_steps", "crowdingSteps", [sims.tolist(), added, tau]), steps),
        (("crowding_rows", "crowdingRows", [labels[int(np.argmax(sims))], steps]),
         charts.crowding_rows(labels[int(np.argmax(sims))], steps)),
    ]
    return [(dict(module="rows", fn=fn, args=args), py, name) for (name, fn, args), py in cases]


def random_views(stored, seed, count):
    rng = random.Random(seed)
    snapshot, vocabulary = stored["snapshot"], stored["vocabulary"]["labels"]
    for _ in range(count):
        n = rng.choice([1, 2, 7, 30, 45])  # 45: more labels than the charts hold
        yield (rng.randrange(len(snapshot["photos"])), rng.choice(snapshot["templates"])["id"],
               rng.sample(vocabulary, n), rng.randrange(len(snapshot["temperatures"])))


def test_chart_rows_are_the_same_in_python_and_javascript(stored, tmp_path):
    snapshot = stored["snapshot"]
    default = (next(i for i, p in enumerate(snapshot["photos"]) if p["id"] == snapshot["default"]["photo"]),
               snapshot["default"]["template"], snapshot["default"]["labels"], snapshot["default"]["tau_index"])
    cases = [case for view in [default, *random_views(stored, 20240601, 8)] for case in view_calls(stored, *view)]
    js = run_js(stored["out"], [call for call, _, _ in cases], tmp_path)
    assert len(js) == len(cases)
    for i, (result, (_, py, name)) in enumerate(zip(js, cases)):
        same(result, json.loads(json.dumps(py)), f"call {i} {name}")
    assert any(len(r) == charts.CHART_LIMIT for r, (_, _, name) in zip(js, cases) if name == "label_rows")


def token_calls(stored, seed):
    """Every template with sampled vocabulary labels, plus a label too long for the context and an exception."""
    tokens, vocabulary = stored["snapshot"]["tokens"], stored["vocabulary"]
    rng = random.Random(seed)
    sample = rng.sample(range(len(vocabulary["labels"])), 40)
    long_ids = vocabulary["tokens"][sample[0]] * tokens["context_length"]  # cannot fit under any template
    for template in stored["snapshot"]["templates"]:
        parts = None if template["ensemble"] else tokens["templates"][template["id"]]
        stored_exceptions = vocabulary["exceptions"].get(template["id"], {})
        inputs = [(vocabulary["tokens"][i], stored_exceptions.get(str(i))) for i in sample]
        inputs += [(long_ids, None), (vocabulary["tokens"][sample[1]], [7, 8, 9]),   # an exception pair
                   (vocabulary["tokens"][sample[2]], long_ids)]                      # a long exception
        for ids, exception in inputs:
            args = dict(ids=ids, parts=parts, exception=exception, special=tokens["special"],
                        contextLength=tokens["context_length"])
            yield (dict(module="tokenlayout", fn="layoutTokens", args=[args]),
                   layout_tokens(ids, parts, exception, tokens["special"], tokens["context_length"]))


def test_token_layout_is_the_same_in_python_and_javascript(stored, tmp_path):
    cases = list(token_calls(stored, 7))
    js = run_js(stored["out"], [call for call, _ in cases], tmp_path)
    cuts = 0
    for result, (call, py) in zip(js, cases):
        assert [[t["id"], t["kind"]] for t in result] == [list(t) for t in py], call["args"][0]
        cuts += any(kind.endswith(" cut") for _, kind in py)
    assert cuts >= 2 * (len(stored["snapshot"]["templates"]) - 1)  # the long label and exception were cut
