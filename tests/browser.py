"""Serving a built site on 127.0.0.1 and opening it in Debian's Chromium through Playwright, and what the
browser tests share: an independent recomputation of any view from site/data, and readers of the page."""
import base64
import functools
import hashlib
import json
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from explainer.staticserver import StaticHandler
from explainer.staticserver import serve as serve_static

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

from explainer.harness import CHROMIUM, FLAGS, chromium  # noqa: F401,E402  (the launch the bench uses too)

QuietHandler = StaticHandler  # the one static server (explainer/staticserver.py), as make serve and the bench


def serve(folder):
    """An HTTP server for folder on a free port of 127.0.0.1 (a context manager); yields its base URL."""
    return serve_static(folder)


CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


class Watcher:
    """Collects console errors, uncaught exceptions, dialogs (alert()), CSP violations and requests to
    other origins; `check()` raises if there was any. `requests` logs every request the page and its
    workers make: (method, url, bytes of its body)."""

    def __init__(self, page, base_url):
        self.page, self.problems, self.requests = page, [], []
        page.add_init_script(CSP_RECORDER)
        page.on("dialog", lambda dialog: self.problems.append(f"dialog: {dialog.message}") or dialog.dismiss())
        origin = urlsplit(base_url).netloc
        page.on("console", lambda msg: msg.type == "error" and self.problems.append(f"console: {msg.text}"))
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))

        def on_request(request):
            self.requests.append((request.method, request.url, len(request.post_data_buffer or b"")))
            parts = urlsplit(request.url)
            if parts.scheme not in ("data", "blob") and parts.netloc != origin:
                self.problems.append(f"request to another origin: {request.url}")
        page.on("request", on_request)
        page.on("response", lambda response: response.status >= 400 and self.problems.append(
            f"HTTP {response.status}: {response.url}"))

    def check(self):
        if not self.page.is_closed():
            violations = self.page.evaluate("window.__cspViolations || []")
            self.problems += [f"CSP violation: {v}" for v in violations]
        assert not self.problems, self.problems


# ---- what the browser tests share --------------------------------------------------------------

def in_web_engine(out, tower, texts=None, pixels=None, batch=256):
    """A tower of the built site, as the site ships it (site/live/: its graph and weights file, the manifest's
    session settings), run by onnxruntime-web's WebAssembly engine in Node: the reader's browser's numbers on
    any CPU. texts (tokenized by the page's own tokenize.js) or pixels (n, 3, size, size), run `batch` at a time
    (dynamic int8 rounds each activation per batch: compare batches the browser ran as they ran); returns
    (n, dim) unit vectors."""
    from explainer.live import image_job
    if texts is not None:
        return text_runs(out, [[texts[b:b + batch] for b in range(0, len(texts), batch)]])[0]
    (raw,) = web_engine(out, "vision", lambda graph, weights: [image_job(graph, weights, pixels, batch)])
    return unit_rows(raw)


def text_runs(out, runs):
    """[[[text, ...] per batch] per run] -> [(n, dim) unit vectors per run]: several runs of the site's text
    tower in one Node process (onnxruntime-web starts once)."""
    jobs = lambda graph, weights: [dict(graph=str(graph), weights=weights and str(weights), texts=batches)  # noqa: E731
                                   for batches in runs]
    return [unit_rows(raw) for raw in web_engine(out, "text", jobs)]


def web_engine(out, tower, jobs):
    """jobs(graph, weights) -> [job]: their raw outputs from explainer.live.run_in_node, on the tower's files in
    site/live with the manifest's session settings (and tokenizer, for texts)."""
    from explainer.live import run_in_node
    manifest = json.loads((out / "live" / "manifest.json").read_text())
    entry = manifest[tower]
    graph, weights = out / "live" / entry["file"], out / "live" / entry["data"]["file"] if "data" in entry else None
    return run_in_node(ROOT / "node_modules", jobs(graph, weights), out / "live" / "tokenizer.json",
                       manifest["model"]["context_length"], manifest["session"])


def unit_rows(raw):
    """(n, dim) float32 -> (n, dim) float64 unit rows."""
    raw = raw.astype(np.float64)
    return raw / np.linalg.norm(raw, axis=1, keepdims=True)


def decode(text, dim):
    """base64 little-endian float16 -> (n, dim) float64."""
    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float64).reshape(-1, dim)


class Stored:
    """Independent recomputation of any view from the files in site/data: embeddings.json (the photos) and
    each label's own file, data/labels/<sha256-16>.json (its vectors under every template)."""

    def __init__(self, out):
        self.out = out
        self.embeddings = json.loads((out / "data" / "embeddings.json").read_text())
        self.vocabulary = json.loads((out / "data" / "label-names.json").read_text())
        self.dim = self.embeddings["model"]["dim"]
        self.images = decode(self.embeddings["vectors"]["image"], self.dim)
        self.photo_ids = [p["id"] for p in self.embeddings["photos"]]
        self.template_ids = [t["id"] for t in self.embeddings["templates"]]
        self._records = {}

    def record(self, label):
        """The label's file, found by sha256 independently of explainer.data."""
        if label not in self._records:
            name = hashlib.sha256(label.encode("utf-8")).hexdigest()[:16]
            record = json.loads((self.out / "data" / "labels" / f"{name}.json").read_text())
            assert record["label"] == label
            record["decoded"] = decode(record["vectors"], self.dim)  # (T, dim)
            self._records[label] = record
        return self._records[label]

    def texts(self, template, labels):
        """(n_labels, dim) text vectors of labels under template."""
        t = self.template_ids.index(template)
        return np.stack([self.record(label)["decoded"][t] for label in labels])

    def vocabulary_texts(self, template):
        """(V, dim): every vocabulary label's vector under template, from all the label files (read once)."""
        return vocabulary_vectors(self.out, tuple(self.template_ids), self.dim)[template].astype(np.float64)

    def view(self, photo, template, labels, tau):
        image = self.images[self.photo_ids.index(photo)]
        sims = self.texts(template, labels) @ image
        p = np.exp((sims - sims.max()) / tau)
        p /= p.sum()
        return sims, p, float(-(p * np.log(np.where(p > 0, p, 1))).sum())


def page_view(page):
    page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
    return page.evaluate("""() => ({
        labels: [...document.querySelectorAll('#label-rows tr[data-state=ready]')].map(r => r.dataset.label),
        sims: [...document.querySelectorAll('#label-rows tr[data-state=ready]')].map(r => Number(r.dataset.sim)),
        probs: [...document.querySelectorAll('#label-rows tr[data-state=ready]')].map(r => Number(r.dataset.prob)),
        photo: document.querySelector('input[name=photo]:checked').value,
        template: document.getElementById('template-select').value,
        tauIndex: Number(document.getElementById('tau-slider').value),
        tauShown: Number(document.getElementById('tau-value').textContent),
        top: document.getElementById('top-label').textContent,
        topProbability: document.getElementById('top-probability').textContent,
        entropy: Number(document.getElementById('entropy').textContent),
        simTable: [...document.querySelectorAll('#similarities-table td')].map(td => td.textContent),
        notice: document.getElementById('view-notice').hidden ? '' : document.getElementById('view-notice').textContent,
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


def show_chart(page, name):
    """Scroll chart `name` into view and wait until its live view holds the current numbers: a chart is
    made (hydrated) and refreshed only near the screen."""
    page.locator(f'[data-chart="{name}"]').scroll_into_view_if_needed(timeout=10000)
    # a chart already on screen in the build's view keeps its SVG until the reader reaches for it (charts.js)
    page.locator(f'[data-chart="{name}"]').dispatch_event("pointerover")
    # neither the chart nor its figure (a widget computed only when near: nearby.js) may be stale
    page.wait_for_function("""(name) => {
        const chart = document.querySelector(`[data-chart="${name}"]`);
        return chart.dataset.view === 'live' && !chart.closest('[data-stale]');
    }""", arg=name, timeout=10000)
    page.wait_for_selector("body[data-charts=drawn]", timeout=10000)  # Vega renders asynchronously


def chart_pixels(page):
    """{chart name: its canvas as a data URL}, each chart scrolled into view (and so drawn) first."""
    page.wait_for_selector("body[data-charts=drawn]", timeout=10000)
    pixels = {}
    for name in page.evaluate("[...document.querySelectorAll('[data-chart]')].map(el => el.dataset.chart)"):
        show_chart(page, name)
        pixels[name] = page.evaluate(
            "(name) => document.querySelector(`[data-chart=\"${name}\"] canvas`)?.toDataURL() ?? null", name)
    return pixels


def add_label(page, text):
    page.fill("#add-label-input", text)
    page.press("#add-label-input", "Enter")


# ---- the vocabulary, gathered from the per-label files (what the page reads) ------------------------

@functools.lru_cache(maxsize=4)
def label_files(out):
    """Every vocabulary label's file, in label-names.json's order: (names, [record]). Read once per site."""
    out = Path(out)
    names = json.loads((out / "data" / "label-names.json").read_text(encoding="utf-8"))
    records = []
    for label in names:
        name = hashlib.sha256(label.encode("utf-8")).hexdigest()[:16]
        records.append(json.loads((out / "data" / "labels" / f"{name}.json").read_text(encoding="utf-8")))
    return names, records


def vocabulary_tokens(out):
    """{labels, tokens (V, ragged), exceptions {template: {index: full ids}}, pieces {id: text}} from the label
    files."""
    names, records = label_files(out)
    exceptions, pieces = {}, {}
    for i, record in enumerate(records):
        for template, ids in record["exceptions"].items():
            exceptions.setdefault(template, {})[str(i)] = ids
        pieces.update(record["pieces"])
    return {"labels": names, "tokens": [r["tokens"] for r in records], "exceptions": exceptions, "pieces": pieces}


def vocabulary_vectors(out, template_ids, dim):
    """{template: (V, dim) float16} from the label files (each holds (T, dim) in template_ids' order)."""
    _, records = label_files(out)
    stacked = np.stack([np.frombuffer(base64.b64decode(r["vectors"]), dtype="<f2").reshape(-1, dim)
                        for r in records])  # (V, T, dim)
    return {t: stacked[:, k] for k, t in enumerate(template_ids)}


class Wire:
    """What crossed the network, from the CDP Network domain: each request that finished with bytes on the
    wire (a cache hit has none), as its path; `gzip()` weighs them as gzip -9 of the served files."""

    def __init__(self, page, folder):
        self.folder, self.urls, self.finished = Path(folder), {}, []
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.on("Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"]))
        self.cdp.on("Network.loadingFinished", lambda e: e["encodedDataLength"] > 0 and self.finished.append(
            urlsplit(self.urls.get(e["requestId"], "")).path))

    def take(self):
        """The paths fetched since the last take."""
        paths, self.finished = self.finished, []
        return paths

    def gzip(self, paths):
        import gzip
        return sum(len(gzip.compress((self.folder / p.lstrip("/")).read_bytes(), 9)) for p in paths)


FIGURE_OF = {"matrix-table": "matrix", "templates-table": "templates",
             "template-verdict": "templates", "gap-table": "gap", "gap-summary": "gap",
             "crowding-table": "crowding",
             "crowding-summary": "crowding", "sweep-summary": "sweep", "token-rows": "tokens",
             "image-vector-table": "image-vector-figure", "text-vector-table": "text-vector-figure"}


def show_figures(page, *ids):
    """Scroll each figure (widget id) into view in turn and wait until it shows the current view: a figure
    far from the screen is computed only when it comes near (it carries data-stale until then). Nothing
    changes the view meanwhile, so all of them hold the current numbers afterwards."""
    for figure in ids:
        page.locator(f"#{figure}").scroll_into_view_if_needed(timeout=10000)
        page.wait_for_selector(f"#{figure}:not([data-stale])", state="attached", timeout=10000)


# ---- plane geometry, to check the gap chart's drawn names (the placer itself is templates/assets/rules/gaplabels.js)

def boxes_overlap(a, b):
    """Whether two boxes [left, top, right, bottom] overlap (touching does not)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def segment_hits_box(line, box):
    """Whether the segment [x0, y0, x1, y1] meets the box [left, top, right, bottom]: the part of the segment's
    parameter range [0, 1] inside both slabs of the box is not empty."""
    x0, y0, x1, y1 = line
    low, high = 0.0, 1.0
    for start, delta, lo, hi in ((x0, x1 - x0, box[0], box[2]), (y0, y1 - y0, box[1], box[3])):
        if delta == 0:
            if not lo <= start <= hi:
                return False
            continue
        t0, t1 = sorted(((lo - start) / delta, (hi - start) / delta))
        low, high = max(low, t0), min(high, t1)
    return low <= high


def segments_cross(a, b):
    """Whether two segments [x0, y0, x1, y1] cross at a point inside both (touching ends do not)."""
    (x1, y1, x2, y2), (x3, y3, x4, y4) = a, b
    den = (x2 - x1) * (y4 - y3) - (y2 - y1) * (x4 - x3)
    if den == 0:
        return False
    t = ((x3 - x1) * (y4 - y3) - (y3 - y1) * (x4 - x3)) / den
    u = ((x3 - x1) * (y2 - y1) - (y3 - y1) * (x2 - x1)) / den
    return 0 < t < 1 and 0 < u < 1


# ---- deep-dive pages (issue 32, section 5): the view read from the control bar, which every page has -----------

def bar_view(page, stored):
    """The view as the control bar shows it (photo, template, tauIndex, tau, labels: its chips), with the numbers
    recomputed independently: sims, probs, entropy, top (the top label) and topProbability ("12.3%")."""
    page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
    view = page.evaluate("""() => ({photo: document.getElementById('bar-photo').value,
        template: document.getElementById('bar-template').value,
        tauIndex: Number(document.getElementById('bar-tau').value),
        labels: [...document.querySelectorAll('#bar-chips li')].map((li) => li.dataset.label)})""")
    view["tau"] = stored.embeddings["temperatures"][view["tauIndex"]]
    sims, probs, entropy = stored.view(view["photo"], view["template"], view["labels"], view["tau"])
    top = int(np.argmax(probs))
    return dict(view, sims=sims, probs=probs, entropy=entropy, top=view["labels"][top],
                topProbability=f"{100 * probs[top]:.1f}%")


def choose_in_bar(page, photo=None, template=None):
    """Choose a photo and a template with the control bar (a deep-dive page has no other controls)."""
    if photo:
        page.select_option("#bar-photo", photo)
    if template:
        page.select_option("#bar-template", template)
    page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
