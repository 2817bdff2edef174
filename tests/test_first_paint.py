"""The first paint is the page's own. The build runs the page's view modules (templates/assets: rows.js,
gaplabels.js, narrow.js, tokenlayout.js, sentences.js) in Node through one bridge (explainer/views.py) for the
static SVGs, the no-JS tables and the sentences, so the page read without JavaScript says exactly what the
hydrated page computes for the default view, and the build charts the rows the page charts. The view modules
themselves are checked here through that bridge, against numbers recomputed with numpy and plane geometry."""
import base64
import math
import random

import numpy as np
import pytest
from browser import boxes_overlap, segment_hits_box, show_chart, show_figures, vocabulary_tokens, vocabulary_vectors
from conftest import CACHE, ROOT, read_snapshot, site_pages

from explainer.errors import BuildError
from explainer.views import Views

FIGURES = ("image-vector-figure", "text-vector-figure", "templates", "matrix", "sweep",
           "gap", "crowding", "tokens")
FIRST_PAINT = """() => {
  const text = (sel) => document.querySelector(sel)?.textContent ?? null;
  const cells = (sel) => [...document.querySelectorAll(`${sel} tbody tr`)]
    .map((tr) => [...tr.children].map((c) => c.textContent));
  return {
    verdict: text('#template-verdict'), gap: text('#gap-summary'), matrixReading: text('#matrix-reading'),
    crowding: text('#crowding-summary'),
    sweep: text('#sweep-summary'), imageVector: text('#image-vector-summary'), textVector: text('#text-vector-summary'),
    imageVectorTable: cells('#image-vector-table'), textVectorTable: cells('#text-vector-table'),
    templateKey: text('#templates-key'), templateHeads: [...document.querySelectorAll('#templates-table th[scope=col]')]
      .map((th) => th.textContent),
    templates: cells('#templates-table'), matrix: cells('#matrix-table'), crowdingTable: cells('#crowding-table'),
    gapTable: cells('#gap-table'), similarities: cells('#similarities-table'),
    tokens: [...document.querySelectorAll('#token-rows .token-line')].map((line) => [
      line.querySelector('.token-label').textContent,
      [...line.querySelectorAll('li')].map((li) => `${li.className} ${li.textContent}`)]),
  };
}"""


@pytest.fixture(scope="module")
def views(site):
    """The build's bridge, on the page's modules as the site ships them."""
    with Views(site[0] / "assets") as bridge:
        yield bridge


def test_the_first_paint_reads_as_the_page_computes_it(server):
    """Sentences and table cells of the default view: the page without JavaScript (the build's first paint)
    and the hydrated page (each figure recomputed by the page) give the same text, on every page of the site
    (issue 32: the figures are spread over the core article and the deep-dive pages)."""
    browser, url, stored = server
    seen = {}
    for name in site_pages(stored.out):
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(url + name)
        static = page.evaluate(FIRST_PAINT)
        context.close()
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(url + name)
        page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
        here = [f for f in FIGURES if page.locator(f"#{f}").count()]
        show_figures(page, *here)
        if any(f in here for f in ("gap", "crowding")):
            page.wait_for_selector("body[data-figures=loaded]", timeout=10000)
        if "crowding" in here:
            page.wait_for_selector("#crowding-table tr[data-top]", state="attached", timeout=10000)  # the page's
            assert page.get_attribute("#crowding-summary", "data-state") == "live"
        for table in ("image-vector", "text-vector"):  # the page builds these tables when they are opened
            if page.locator(f"#{table}-details > summary").count():
                page.click(f"#{table}-details > summary")
                page.wait_for_selector(f"#{table}-table tbody tr", timeout=10000)
        hydrated = page.evaluate(FIRST_PAINT)
        context.close()
        for key, value in static.items():
            if value:  # the build wrote it on this page
                assert hydrated[key] == value, (name, key, value, hydrated[key])
                seen[key] = value
    assert set(seen) == set(static), set(static) - set(seen)  # every figure's first paint is on some page
    assert len(seen["tokens"]) == len(seen["similarities"]) >= 5 and len(seen["crowdingTable"]) >= 3


@pytest.fixture(scope="module")
def build_rows(site, views):
    """The rows the build charted for the default view (charts.default_rows, as pipeline.build calls it)."""
    from explainer.cache import Cache
    from explainer.charts import default_rows
    from explainer.compute import compute, compute_figures
    from explainer.content import read_content
    from explainer.embed import embed
    from explainer.model import resolve_model
    from explainer.pipeline import default_view
    content = read_content(ROOT / "content", ROOT / "photos")
    cache = Cache(CACHE)
    embeddings = embed(content, resolve_model("stand-in", cache), cache)  # cached: no model call
    numbers = compute(content, embeddings)
    default = default_view(content)
    return default_rows(content, numbers, default, compute_figures(content, numbers, default, cache), views)["rows"]


def same_row(page_row, build_row, where):
    """Text, flags and integers exactly; numbers within what the page's float16 vectors allow."""
    for key, value in build_row.items():
        got = page_row[key]
        if isinstance(value, float) or isinstance(got, float):
            assert got == pytest.approx(value, abs=2e-3, rel=2e-3), (where, key, got, value)
        else:
            assert got == value, (where, key, got, value)


def test_the_build_charts_the_rows_the_page_charts(open_page, build_rows, site):
    pages = {}  # the page of the site that holds each chart (issue 32: core article or a deep-dive page)
    for file in site_pages(site[0]):
        html = (site[0] / file).read_text()
        for name in build_rows:
            if f'data-chart="{name}"' in html:
                pages.setdefault(name, file)
    for name, rows in build_rows.items():
        page, _ = open_page(pages[name])
        show_chart(page, name)
        if name == "gap":  # its names are placed at the plot's width (the live chart's is not the SVG's)
            page.wait_for_selector("body[data-figures=loaded]", timeout=10000)
            show_chart(page, name)
            rows = [{k: r[k] for k in ("kind", "name", "order") if k in r} for r in rows if r["kind"] != "vocabulary"]
        got = page.evaluate("""(name) => document.querySelector(`[data-chart="${name}"]`).vegaView.data('values')
            .map((d) => ({ ...d }))""", name)
        if name == "gap":
            got = [r for r in got if r["kind"] != "vocabulary"]
        assert len(got) == len(rows) > 0, (name, len(got), len(rows))
        for i, (page_row, build_row) in enumerate(zip(got, rows, strict=True)):
            same_row(page_row, build_row, f"{name}[{i}]")


def test_the_bridge_answers_batches_in_one_process_and_names_failures(views, site):
    before = views.batches
    first, second, media = views.call(("rows", "vectorRows", np.array([0.5, -1], dtype=np.float32)),
                                      ("sentences", "percent", 0.1234, 2), ("layout", "NARROW_MEDIA"))
    assert first == [{"dim": 0, "value": 0.5}, {"dim": 1, "value": -1}] and second == "12.34%"
    assert views.batches == before + 1 and views.process.poll() is None
    html = (site[0] / "index.html").read_text()
    assert f'href="assets/narrow.css" media="{media}"' in html and media == views.layout["NARROW_MEDIA"]
    with pytest.raises(BuildError, match="no rows.nothing"):
        views.call(("rows", "nothing"))
    with pytest.raises(BuildError, match="a view module failed"):
        views.call(("rows", "crowdingRows", "x", None))  # throws inside the module
    assert views.one("sentences", "percent", 1) == "100.0%"  # still serving after a failure


def decode(text, dim):
    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float64).reshape(-1, dim)


def softmax(sims, tau):
    e = np.exp((sims - sims.max(axis=-1, keepdims=True)) / tau)
    return e / e.sum(axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def stored(site):
    out, _ = site
    snapshot = read_snapshot((out / "index.html").read_text())
    dim = snapshot["model"]["dim"]
    texts = {t: v.astype(np.float32) for t, v in
             vocabulary_vectors(out, tuple(t["id"] for t in snapshot["templates"]), dim).items()}
    return dict(snapshot=snapshot, vocabulary=vocabulary_tokens(out), images=decode(snapshot["vectors"]["image"], dim),
                texts=texts)


def test_row_builders_agree_with_numpy_on_random_views(stored, views):
    """labelRows keeps the CHART_LIMIT most probable labels in the reader's order; the matrix, template and
    sweep rows and the crowding steps hold the numbers numpy computes, formatted as toFixed does."""
    snapshot, vocabulary = stored["snapshot"], stored["vocabulary"]["labels"]
    index = {label: i for i, label in enumerate(vocabulary)}
    limit, temperatures = views.layout["CHART_LIMIT"], snapshot["temperatures"]
    rng = random.Random(20240601)
    limited = 0
    for size in (1, 2, 7, 30, 45, 7, 45, 30):  # 45: more labels than the charts hold
        labels = rng.sample(vocabulary, size)
        photo, template = rng.randrange(len(snapshot["photos"])), rng.choice(snapshot["templates"])["id"]
        tau = temperatures[rng.randrange(len(temperatures))]
        texts = {t: v[[index[label] for label in labels]] for t, v in stored["texts"].items()}  # (L, dim) each
        sims = texts[template] @ stored["images"][photo]
        probs = softmax(sims, tau)
        keep = sorted(np.argsort(-probs, kind="stable")[:limit])
        rows = views.one("rows", "labelRows", labels, sims, probs)
        assert [r["order"] for r in rows] == keep and [r["label"] for r in rows] == [labels[i] for i in keep]
        limited += len(rows) == limit < len(labels)
        matrix = stored["images"] @ texts[template][keep].T  # (P, charted)
        titles = [p["title"] for p in snapshot["photos"]]
        cells, by_template, sweep = views.call(
            ("rows", "matrixRows", titles, rows, matrix, photo, "similarity"),
            ("rows", "templateRows", [t["id"] for t in snapshot["templates"]], labels,
             np.array([softmax(texts[t["id"]] @ stored["images"][photo], tau) for t in snapshot["templates"]])),
            ("rows", "sweepRows", rows, temperatures, softmax(sims[None, :] / np.array(temperatures)[:, None], 1.0),
             np.ones(len(temperatures)), tau))
        lo, hi = matrix.min(), matrix.max()
        assert [c["shown"] for c in cells] == [f"{v:.3f}" for v in matrix.flat]
        assert [c["dark"] for c in cells] == [bool(v - lo > 0.6 * (hi - lo)) for v in matrix.flat]
        assert [c["current"] for c in cells] == [p == photo for p in range(len(titles)) for _ in keep]
        assert len(by_template) == min(len(labels), limit) * len(snapshot["templates"])
        assert all(c["shown"] == f"{100 * c['value']:.0f}%" for c in by_template)
        entropy = [r["value"] for r in sweep if r["kind"] == "entropy"]
        assert entropy == pytest.approx([1 / (math.log(len(labels)) if len(labels) > 1 else 1)] * len(temperatures))
        added = [[f"synonym {j}", float(sims.max()) - 0.01 * j] for j in range(3)]
        steps = views.one("rows", "crowdingSteps", sims, added, tau)
        for n, step in enumerate(steps):
            p = softmax(np.concatenate([sims, [s for _, s in added[:n]]]), tau)
            top = int(np.argmax(sims))
            assert step["top"] == pytest.approx(p[top], abs=1e-12)
            assert step["synonyms"] == pytest.approx(p[len(sims):].sum(), abs=1e-12)
    assert limited  # the limit was exercised


def test_token_layout_keeps_start_and_end_and_cuts_the_rest(stored, views):
    tokens, vocabulary = stored["snapshot"]["tokens"], stored["vocabulary"]
    rng = random.Random(7)
    sample = rng.sample(range(len(vocabulary["labels"])), 40)
    long_ids = vocabulary["tokens"][sample[0]] * tokens["context_length"]  # cannot fit under any template
    start, end = tokens["special"]
    room = tokens["context_length"] - 2
    cuts = 0
    for template in stored["snapshot"]["templates"]:
        parts = None if template["ensemble"] else tokens["templates"][template["id"]]
        exceptions = vocabulary["exceptions"].get(template["id"], {})
        inputs = [(vocabulary["tokens"][i], exceptions.get(str(i))) for i in sample]
        inputs += [(long_ids, None), (vocabulary["tokens"][sample[1]], [7, 8, 9]),  # an exception pair
                   (vocabulary["tokens"][sample[2]], long_ids)]                      # a long exception
        laid = views.call(*[("tokenlayout", "layoutTokens", dict(
            ids=ids, parts=parts, exception=exception, special=tokens["special"],
            contextLength=tokens["context_length"])) for ids, exception in inputs])
        notes = views.call(*[("sentences", "tokenNote", line, tokens["context_length"], 80, template["ensemble"])
                             for line in laid])
        for (ids, exception), line, (reads, cut_note) in zip(inputs, laid, notes, strict=True):
            got = [(t["id"], t["kind"]) for t in line]
            if parts is None:
                assert got == [(i, "label") for i in ids] and "own pieces" in reads
                continue
            body = ([(i, "template") for i in exception] if exception else [(i, "template") for i in parts["before"]]
                    + [(i, "label") for i in ids] + [(i, "template") for i in parts["after"]])
            cut_off = [(i, f"{kind} cut") for i, kind in body[room:]]
            assert got == [(start, "special"), *body[:room], (end, "special"), *cut_off]
            cut = len(body[room:])
            assert reads == f": {len(got) - cut} of {tokens['context_length']} tokens"
            assert cut_note == (f"(cut: {cut} more token{'s do' if cut > 1 else ' does'} not fit)" if cut else "")
            cuts += bool(cut)
    assert cuts >= 2 * (len(stored["snapshot"]["templates"]) - 1)  # the long label and exception were cut


def test_narrow_layout(views, site):
    """narrowSpec: rotated labels set level and staggered, short names looked up (quotes, backslashes and
    non-ASCII kept), the matrix transposed; charts without rotated labels left as they are."""
    snapshot = read_snapshot((site[0] / "index.html").read_text())
    specs = snapshot["charts"]
    odd = {"Ω façade 🚀 \"quoted\" \\ {label}": "Ω 🚀", "it's": "it's"}
    photos = {photo["title"]: photo["id"] for photo in snapshot["photos"]}
    names = [*specs, "odd", "transposed", "kept"]
    narrow = views.call(*[("narrow", "narrowSpec", spec, None, False) for spec in specs.values()],
                        ("narrow", "narrowSpec", specs["templates"], odd, False),
                        ("narrow", "narrowSpec", specs["matrix"], photos, True),
                        ("narrow", "narrowSpec", specs["matrix"], photos, False))
    result = dict(zip(names, narrow, strict=True))
    assert sorted(n for n in specs if result[n] is None) == sorted(n for n in specs if n not in ("matrix", "templates"))
    for spec in (result["templates"], result["odd"], result["transposed"]):
        axis = next(a for a in spec["axes"] if a["orient"] == "bottom")
        assert axis["labelAngle"] == 0 and "dy" in axis["encode"]["labels"]["update"]
    signal = next(a for a in result["odd"]["axes"] if a["orient"] == "bottom")["encode"]["labels"]["update"]["text"]
    assert '"Ω façade 🚀 \\"quoted\\" \\\\ {label}": "Ω 🚀"' in signal["signal"]
    flipped = result["transposed"]
    domains = {scale["name"]: scale["domain"]["field"] for scale in flipped["scales"] if scale["name"] in ("x", "y")}
    assert domains == {"x": "photo", "y": "label"}
    fields = [(m["encode"]["update"]["x"]["field"], m["encode"]["update"]["y"]["field"]) for m in flipped["marks"]]
    assert fields and set(fields) == {("photo", "label")}
    assert result["kept"]["scales"] == specs["matrix"]["scales"]


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


def test_gap_names_never_overlap_and_leader_lines_reach_them(views):
    """placeGapLabels on crowded random charts: the estimated name boxes (0.62 font sizes a character, 1.2 high)
    stay inside the plot and apart; a leader line ends beside its name; hardly any name is left out."""
    rng = random.Random(12)
    height, font, gap_gap = views.layout["GAP_HEIGHT"], views.layout["FONT"], views.one("gaplabels", "GAP_GAP")
    pad = views.layout["GAP_PAD"]
    cases = [crowded_gap_rows(rng, rng.randrange(0, 7), rng.randrange(0, 30), rng.choice([0, 20, 200]),
                              rng.choice([0.001, 0.02, 0.3])) for _ in range(40)]
    cases += [[{"kind": "label", "name": "alone", "order": 0, "x": 1.0, "y": 2.0}],  # one point: no extent
              [{"kind": "photo", "name": "p", "x": 0.0, "y": 0.0}, {"kind": "label", "name": "q", "order": 0,
                                                                    "x": 0.0, "y": 0.0}], []]
    widths = [rng.choice([280, 327, 640, 1000]) for _ in cases]
    placed = views.call(*[("gaplabels", "placeGapLabels", rows, w, height)
                          for rows, w in zip(cases, widths, strict=True)])
    hidden = leaders = clear = named = 0
    for i, (out, rows, w) in enumerate(zip(placed, cases, widths, strict=True)):
        assert [{k: r[k] for k in row} for r, row in zip(out, rows, strict=True)] == rows and len(out) == len(rows)
        if not rows:
            continue
        xs, ys = [r["x"] for r in rows], [r["y"] for r in rows]
        sx = (w - 2 * pad) / (max(xs) - min(xs)) if max(xs) > min(xs) else 0
        sy = (height - 2 * pad) / (max(ys) - min(ys)) if max(ys) > min(ys) else 0
        shown = [r for r in out if r.get("shown")]
        points = [(pad + (r["x"] - min(xs)) * sx if sx else w / 2,  # each shown point in pixels
                   height - pad - (r["y"] - min(ys)) * sy if sy else height / 2) for r in shown]
        boxes = []
        for r, (px, py) in zip(shown, points, strict=True):
            width = 0.62 * font * len(r["name"])
            left = px + r["label_dx"] - {"right": width, "center": width / 2}.get(r["label_align"], 0)
            boxes.append([left, py + r["label_dy"] - 0.6 * font, left + width, py + r["label_dy"] + 0.6 * font])
        assert all(not boxes_overlap(a, b) for j, a in enumerate(boxes) for b in boxes[j + 1:]), i
        assert all(-1e-9 <= b[0] and b[2] <= w + 1e-9 and -1e-9 <= b[1] and b[3] <= height + 1e-9 for b in boxes), i
        assert all("shown" in r and "leader" in r for r in out if r["kind"] != "vocabulary")
        for r, box, (px, py) in zip(shown, boxes, points, strict=True):
            if not r["leader"]:
                continue
            line = [px, py, px + r["leader_dx"], py + r["leader_dy"]]
            reach = max(box[0] - line[2], line[2] - box[2], 0), max(box[1] - line[3], line[3] - box[3], 0)
            assert math.hypot(*reach) <= gap_gap + 1e-9, (i, line, box)  # the line ends at its name
            clear += not any(segment_hits_box(line, other) for other in boxes if other is not box)
            leaders += 1
        hidden += sum(r.get("shown") is False for r in out)
        named += sum(r["kind"] != "vocabulary" for r in out)
    # names placed with leader lines, many over no other name even here; only the most crowded cases (thirty
    # points on one pixel) leave a name out
    assert leaders > 100 and clear > 50 and hidden <= 0.01 * named, (leaders, clear, hidden, named)


def test_a_build_runs_one_node_process_and_a_broken_view_module_fails_it_by_name(small, monkeypatch):
    import shutil

    from conftest import small_build

    from explainer import pipeline
    started = []

    class Counted(Views):
        def __init__(self, assets_dir):
            super().__init__(assets_dir)
            started.append(self)

    monkeypatch.setattr(pipeline, "Views", Counted)
    lines = []
    small_build(small, log=lines.append)
    assert len(started) == 1 and started[0].process.poll() is not None  # one process, ended with the build
    # 10: one more for the deep dive inside the towers (towers_first_paint) and one for "What the numbers mean"
    # (deepdive.deep_dive_context, its two rules in one round trip)
    # and 2 more: the attack lab's first paint and the myths' demonstrations, a round trip each (attack.py, myths.py)
    # and 1 more: the models figure's first paint (modelset.models_first_paint)
    assert 3 <= started[0].batches <= 13 and started[0].calls >= 30, (started[0].batches, started[0].calls)
    assert any(line.startswith("  (views ") for line in lines), lines
    out = small[3]
    before = (out / "index.html").read_text()
    templates = small[0].parent / "templates"
    shutil.copytree(ROOT / "templates", templates)
    rows = templates / "assets" / "rules" / "rows.js"
    rows.write_text(rows.read_text() + "\nexport const broken = ;\n")
    with pytest.raises(BuildError, match="SyntaxError") as failed:
        small_build(small, templates_dir=templates)
    assert "views.mjs" in str(failed.value) and (out / "index.html").read_text() == before  # the old site stays
