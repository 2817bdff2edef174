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


def test_narrow_layout_is_the_same_in_python_and_javascript(stored, tmp_path):
    """narrow_spec (the narrow static SVG) and narrowSpec (the live chart on a narrow screen) give the same spec."""
    snapshot = stored["snapshot"]
    names = [charts.template_name(SimpleNamespace(**t), snapshot["ensemble_size"]) for t in snapshot["templates"]]
    short = {name: t["short"] for name, t in zip(names, snapshot["templates"])}
    odd = {"Ω façade 🚀 \"quoted\" \\ {label}": "Ω 🚀", "it's": "it's"}  # quotes, backslashes, non-ASCII
    extra = {"orient": "bottom", "scale": "x", "labelAngle": 300, "labelFlush": True,   # an axis with its own encode
             "encode": {"labels": {"interactive": True, "update": {"fill": {"value": "red"}}}}}
    photos = {photo["title"]: photo["id"] for photo in snapshot["photos"]}
    given = {"templates": short, "matrix": photos}
    cases = [(spec, given.get(name), name in charts.NARROW_TRANSPOSED) for name, spec in snapshot["charts"].items()]
    cases += [(snapshot["charts"]["templates"], odd, False), (snapshot["charts"]["matrix"], {}, False),
              (snapshot["charts"]["templates"], short, True), (snapshot["charts"]["matrix"], None, True),
              (dict(snapshot["charts"]["matrix"], axes=[*snapshot["charts"]["matrix"]["axes"], extra]), None, True)]
    calls = [dict(module="narrow", fn="narrowSpec", args=[spec, names, transpose]) for spec, names, transpose in cases]
    js = run_js(stored["out"], calls + [dict(module="narrow", fn=f, args=[]) for f in ("NARROW_MEDIA", "NARROW_TRANSPOSED")],
                tmp_path)
    assert js[-2:] == [charts.NARROW_MEDIA, list(charts.NARROW_TRANSPOSED)]
    changed = 0
    for i, (result, (spec, names, transpose)) in enumerate(zip(js, cases)):
        py = charts.narrow_spec(spec, names, transpose)
        same(result, json.loads(json.dumps(py)), f"narrow case {i}")
        changed += py is not None
    assert changed == len(cases) - 7  # the seven charts without rotated labels are left as they are
    # transposed: the matrix's columns are its photos, its rows its labels, and every mark follows
    flipped = charts.narrow_spec(snapshot["charts"]["matrix"], photos, True)
    domains = {scale["name"]: scale["domain"]["field"] for scale in flipped["scales"] if scale["name"] in ("x", "y")}
    assert domains == {"x": "photo", "y": "label"}
    fields = [(m["encode"]["update"]["x"]["field"], m["encode"]["update"]["y"]["field"]) for m in flipped["marks"]]
    assert fields and set(fields) == {("photo", "label")}
    assert charts.narrow_spec(snapshot["charts"]["matrix"], photos)["scales"] == snapshot["charts"]["matrix"]["scales"]
    narrowed = charts.narrow_spec(snapshot["charts"]["templates"], odd)
    assert '"Ω façade 🚀 \\"quoted\\" \\\\ {label}": "Ω 🚀"' in narrowed["axes"][0]["encode"]["labels"]["update"]["text"]["signal"]
    assert charts.NARROW_MEDIA in (ROOT / "templates" / "assets" / "style.css").read_text()  # .narrow-only


def crowded_gap_rows(rng, n_photos, n_labels, n_cloud, spread):
    """Random gap rows: a faint cloud, photos and labels crowded near the origin (spread: their scatter)."""
    words = ["cat", "dog", "astronaut", "pizza", "photographer", "coins", "a cup of coffee", "rocket launch",
             "tabby kitten", "x", "Ω façade 🚀", "Greek coins from Pompeii"]
    rows = [{"kind": "vocabulary", "name": f"v{i}", "x": rng.uniform(-1, 1), "y": rng.uniform(-1, 1)}
            for i in range(n_cloud)]
    rows += [{"kind": "photo", "name": rng.choice(words), "x": rng.gauss(0.5, spread), "y": rng.gauss(0.5, spread)}
             for _ in range(n_photos)]
    return rows + [{"kind": "label", "name": rng.choice(words), "order": i, "x": rng.gauss(0, spread),
                    "y": rng.gauss(0, spread)} for i in range(n_labels)]


def test_gap_label_placement_is_the_same_in_python_and_javascript(tmp_path, site):
    out, _ = site
    rng = random.Random(12)
    cases = [crowded_gap_rows(rng, rng.randrange(0, 7), rng.randrange(0, 30), rng.choice([0, 20, 200]),
                              rng.choice([0.001, 0.02, 0.3])) for _ in range(40)]
    cases += [[{"kind": "label", "name": "alone", "order": 0, "x": 1.0, "y": 2.0}],  # one point: no extent
              [{"kind": "photo", "name": "p", "x": 0.0, "y": 0.0}, {"kind": "label", "name": "q", "order": 0,
                                                                    "x": 0.0, "y": 0.0}], []]
    widths = [rng.choice([280, 327, 640, 1000]) for _ in cases]
    calls = [dict(module="rows", fn="placeGapLabels", args=[rows, w, charts.GAP_HEIGHT]) for rows, w in zip(cases, widths)]
    js = run_js(out, calls, tmp_path)
    hidden = leaders = clear = named = 0
    for i, (result, rows, w) in enumerate(zip(js, cases, widths)):
        py = charts.place_gap_labels(rows, w, charts.GAP_HEIGHT)
        same(result, json.loads(json.dumps(py)), f"gap case {i}")
        if not rows:
            continue
        to_x, to_y = charts.gap_pixels(rows, w, charts.GAP_HEIGHT)
        shown = [r for r in py if r.get("shown")]
        boxes = [charts.text_box(to_x(r["x"]), to_y(r["y"]), r["name"], r["label_dx"], r["label_dy"], r["label_align"])
                 for r in shown]
        assert all(not charts.boxes_overlap(a, b) for j, a in enumerate(boxes) for b in boxes[j + 1:]), i
        assert all(0 <= b[0] and b[2] <= w and 0 <= b[1] and b[3] <= charts.GAP_HEIGHT for b in boxes), i
        assert all("shown" in r and "leader" in r for r in py if r["kind"] != "vocabulary")
        lines = [[to_x(r["x"]), to_y(r["y"]), to_x(r["x"]) + r["leader_dx"], to_y(r["y"]) + r["leader_dy"]]
                 for r in shown if r["leader"]]
        for line, box in zip(lines, [b for b, r in zip(boxes, shown) if r["leader"]]):
            gap = max(box[0] - line[2], line[2] - box[2], 0), max(box[1] - line[3], line[3] - box[3], 0)
            assert math.hypot(*gap) <= charts.GAP_GAP + 1e-9, (i, line, box)  # the line ends at its name
            clear += not any(charts.segment_hits_box(line, other) for other in boxes)  # over no name
        hidden += sum(r.get("shown") is False for r in py)
        named += sum(r["kind"] != "vocabulary" for r in py)
        leaders += len(lines)
    # names placed with leader lines, many over no other name even here (a crowded chart's lines may pass under
    # names: tests/test_browser_gap_labels.py holds the default view to none); only the most crowded cases
    # (thirty points on one pixel) leave a name out
    assert leaders > 100 and clear > 50 and hidden <= 0.01 * named, (leaders, clear, hidden, named)
