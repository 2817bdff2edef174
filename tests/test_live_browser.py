"""Live mode's engine in Chromium (stand-in): the built site's own worker, onnxruntime-web and tokenizer,
driven through assets/live/client.js from the page (the test imports the module into the built page).
Live vectors are checked against the vectors the build stored, within the manifest's bound, and against
onnxruntime-web in Node running the same files on the same batches (to float rounding, on any CPU); the
worker's token ids against Python's; failures (cancel, corrupt and missing files, an undecodable photo)
must give a clear error; and the Watcher fails any CSP violation or request to another origin."""
import base64
import json
import shutil

import numpy as np
import pytest
from browser import Watcher, chromium, decode, serve, text_runs
from test_live_tokenizer import AWKWARD, ROOT

from explainer.content import read_content
from explainer.data import label_file_name
from explainer.live import tokenizer_for, tower_files
from explainer.textclean import clean

LOAD = """async ([parts]) => {
  const { LiveClient } = await import('./assets/live/client.js');
  const live = window.__live = new LiveClient('live/manifest.json');
  const seen = [];
  try {
    await live.load({ parts, onProgress: (p) => seen.push([p.loaded, p.total]) });
    return { ok: true, seen };
  } catch (error) {
    return { ok: false, kind: error.kind, message: error.message, seen };
  }
}"""


@pytest.fixture(scope="module")
def content():
    return read_content(ROOT / "content", ROOT / "photos")


@pytest.fixture(scope="module")
def browser(site):
    with chromium() as browser:
        yield browser


@pytest.fixture
def open_site(browser):
    """open_site(folder, fragment, expect_404) -> (page, watcher) on a served copy; the watcher is checked at
    the end. expect_404: paths whose 404 the test provokes. Shared with test_live_ui.py."""
    opened = []

    def opener(folder, fragment="", expect_404=()):
        server = serve(folder)
        url = server.__enter__()
        context = browser.new_context()
        page = context.new_page()
        watcher = Watcher(page, url)
        opened.append((server, context, watcher, [url + path for path in expect_404]))
        page.goto(url + fragment)
        page.wait_for_selector("body[data-ready=true]", timeout=30000)
        return page, watcher

    yield opener
    for server, context, watcher, expected in opened:
        watcher.problems = [p for p in watcher.problems if not any(p == f"HTTP 404: {e}" for e in expected)]
        watcher.check()
        context.close()
        server.__exit__(None, None, None)


EMBED = "async (texts) => (await window.__live.embedTexts(texts)).vectors.map((v) => Array.from(v))"


def manifest_of(out):
    return json.loads((out / "live" / "manifest.json").read_text())


def copy_to_break(out, tmp_path):
    """A copy of the built site for a test to damage, and its live manifest."""
    copy = tmp_path / "site"
    shutil.copytree(out, copy)
    return copy, manifest_of(copy)


def stored_label_vectors(out, label):
    data = json.loads((out / label_file_name(label)).read_text())
    return data["vectors"]  # (T, dim) base64 float16, in the snapshot's template order


def test_snapshot_says_what_live_mode_costs(site):
    out, _ = site
    manifest = manifest_of(out)
    snapshot = json.loads((out / "data" / "embeddings.json").read_text())
    html = (out / "index.html").read_text()
    summary = json.loads(html.split('id="snapshot">', 1)[1].split("</script>", 1)[0])["live"]
    assert summary["manifest"] == "live/manifest.json"
    files = [*tower_files(manifest["text"]), manifest["tokenizer"], manifest["entities"], *manifest["runtime"]["files"]]
    for entry in files + tower_files(manifest["vision"]):
        path = out / ("vendor" if entry in manifest["runtime"]["files"] else "live") / entry["file"]
        assert path.stat().st_size == entry["bytes"]
    assert summary["text_bytes"] == manifest["download"]["text"] > manifest["text"]["gzip_bytes"]
    assert summary["vision_bytes"] == sum(e["gzip_bytes"] for e in tower_files(manifest["vision"]))
    assert summary["parity"]["text"] == manifest["text"]["parity"]
    assert manifest["model"]["fingerprint"] == snapshot["model"]["fingerprint"]


def test_live_text_vectors_match_the_stored_ones(site, content, open_site):
    """The browser's vectors: the stored (float16) ones within the manifest's bound, and onnxruntime-web in Node
    running the same files on the same batches to float rounding (the same engine: the same on any CPU)."""
    out, _ = site
    manifest = manifest_of(out)
    bound = manifest["bound"]["max_cosine_error"]
    page, _ = open_site(out)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    assert page.evaluate(LOAD, [["text"]])["ok"]
    # the worker's own fetches reach the Watcher's check for other origins too
    assert any(url.endswith(f"/live/{manifest['text']['file']}") for url in requested)
    assert any(url.endswith("/vendor/ort-wasm-simd-threaded.wasm") for url in requested)
    templates = [t for t in content.templates]
    dim = manifest["model"]["dim"]
    images = decode(json.loads((out / "data" / "embeddings.json").read_text())["vectors"]["image"], dim)
    labels = content.vocabulary[::60] + content.default_labels  # 100 spread over the vocabulary, and the defaults
    runs, browser_runs = [], []  # each a batch the browser ran: the texts, and its vectors
    for t, template in enumerate(templates):
        if template.ensemble:
            continue
        texts = [template.fill(label) for label in labels]
        live = np.array(page.evaluate(EMBED, texts))                                               # (n, dim)
        stored = np.stack([decode(stored_label_vectors(out, label), dim)[t] for label in labels])  # (n, dim)
        error = np.abs(live @ images.T - stored @ images.T).max()
        assert error <= bound, (template.id, error)
        runs.append([texts])
        browser_runs.append(live)
    # the ensemble: one label's 80 sentences in one batch, averaged as the build averages them
    e = next(i for i, t in enumerate(templates) if t.ensemble)
    label = content.default_labels[0]
    texts = [t.replace("{label}", label) for t in content.ensemble_templates]
    vectors = np.array(page.evaluate(EMBED, texts))
    runs.append([texts])
    browser_runs.append(vectors)
    # the vectors themselves: the browser computes what onnxruntime-web computes in Node, one batch as one
    for live, node in zip(browser_runs, text_runs(out, runs), strict=True):
        assert np.abs(live - node).max() < 1e-6
    mean = vectors.mean(axis=0) / np.linalg.norm(vectors.mean(axis=0))
    stored = decode(stored_label_vectors(out, label), dim)[e]
    assert np.abs(mean @ images.T - stored @ images.T).max() <= bound


def test_worker_token_ids_match_python(site, content, stand_in, open_site):
    out, _ = site
    page, _ = open_site(out)
    assert page.evaluate(LOAD, [["text"]])["ok"]
    texts = [t.fill(label) for t in content.templates if not t.ensemble for label in content.vocabulary]
    texts += [t.replace("{label}", label) for t in content.ensemble_templates for label in content.default_labels]
    texts += AWKWARD
    answer = page.evaluate("async (texts) => await window.__live.tokenize(texts)", texts)
    got = answer["ids"]
    assert page.evaluate("async () => (await window.__live.embedTexts([])).vectors.length") == 0
    tokenizer = tokenizer_for(stand_in)
    expected = [e.ids for e in tokenizer.encode_batch([clean(t) for t in texts])]
    mismatched = [t for t, a, b in zip(texts, got, expected, strict=True) if a != b]
    assert not mismatched, mismatched[:5]
    # uncut too (the tokens figure marks what the context cuts), with each id's piece as the build shows it
    tokenizer.no_truncation()
    whole = [e.ids for e in tokenizer.encode_batch([clean(t) for t in texts])]
    assert answer["full"] == whole and any(len(ids) > len(cut) for ids, cut in zip(whole, got, strict=True))
    assert answer["pieces"] == {str(i): tokenizer.id_to_token(i) for ids in whole for i in ids}


def test_six_photos_as_blobs_match_the_stored_image_vectors(site, content, open_site):
    out, _ = site
    manifest = manifest_of(out)
    bound = manifest["bound"]["max_cosine_error"]
    page, _ = open_site(out)
    result = page.evaluate(LOAD, [["text", "vision"]])
    assert result["ok"], result
    dim = manifest["model"]["dim"]
    images = decode(json.loads((out / "data" / "embeddings.json").read_text())["vectors"]["image"], dim)
    texts = np.stack([decode(stored_label_vectors(out, label), dim)[1] for label in content.vocabulary[::60]])
    for i, photo in enumerate(content.photos):
        data = base64.b64encode(photo.path.read_bytes()).decode()
        answer = page.evaluate("""async ([data, type]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const r = await window.__live.embedImage(new Blob([bytes], { type }));
            return { vector: Array.from(r.vector), width: r.width, height: r.height };
        }""", [data, "image/jpeg"])
        assert (answer["width"], answer["height"]) == photo.image.size  # decoded, EXIF orientation applied
        live = np.array(answer["vector"])
        assert np.abs(texts @ live - texts @ images[i]).max() <= bound, photo.id
        assert live @ images[i] > 0.999, photo.id


def test_undecodable_photo_gives_a_clear_error(site, open_site):
    out, _ = site
    page, _ = open_site(out)
    assert page.evaluate(LOAD, [["text", "vision"]])["ok"]
    error = page.evaluate("""async () => {
        try { await window.__live.embedImage(new Blob([new Uint8Array([1, 2, 3])], { type: 'image/jpeg' })); }
        catch (e) { return { kind: e.kind, message: e.message }; }
    }""")
    assert error == {"kind": "image", "message": "This file could not be decoded as an image."}


def test_cancelled_load_rejects_and_a_second_load_works(site, open_site):
    out, _ = site
    page, _ = open_site(out)
    result = page.evaluate("""async () => {
        const { LiveClient } = await import('./assets/live/client.js');
        const live = window.__live = new LiveClient('live/manifest.json');
        let cancelled = false;
        const loading = live.load({ onProgress: (p) => {
            if (p.loaded > 0 && !cancelled) { cancelled = true; live.cancel(); }
        } });
        try { await loading; return { ok: true }; } catch (e) { return { kind: e.kind, message: e.message }; }
    }""")
    assert result == {"kind": "cancelled", "message": "Download cancelled."}
    again = page.evaluate("""async () => { await window.__live.load();
        return (await window.__live.embedTexts(['a cat'])).vectors.length; }""")
    assert again == 1


def test_corrupt_file_is_refused_by_name(site, tmp_path, open_site):
    out, _ = site
    copy, manifest = copy_to_break(out, tmp_path)
    onnx = copy / "live" / manifest["text"]["file"]
    data = bytearray(onnx.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte
    onnx.write_bytes(bytes(data))
    page, _ = open_site(copy)
    result = page.evaluate(LOAD, [["text"]])
    assert result["kind"] == "corrupt"
    assert result["message"].startswith(f"{manifest['text']['file']} is corrupt: its sha256")


def test_missing_file_is_named(site, tmp_path, open_site):
    out, _ = site
    copy, manifest = copy_to_break(out, tmp_path)
    (copy / "live" / manifest["vision"]["file"]).unlink()
    page, _ = open_site(copy, expect_404=[f"live/{manifest['vision']['file']}"])
    assert page.evaluate(LOAD, [["text"]])["ok"]  # the text tower does not need it
    result = page.evaluate(LOAD, [["text", "vision"]])
    assert result["kind"] == "missing"
    assert result["message"] == f"Could not download {manifest['vision']['file']}: HTTP 404 (the file is missing)."
    # the page itself keeps working
    assert page.evaluate("document.body.dataset.ready") == "true"
