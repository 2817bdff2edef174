"""The occlusion map of the reader's own photo and of a live label (issue 23, item 1), in Chromium (stand-in).
The worker's occluded copies (live/occlusion.js) against the build's (explainer/embed.py) in Node; one of the six
photos given through the file input gets its map from live mode's worker and the map's helper (which stops with
it), equal to onnxruntime-web's map in Node of the same copies (float rounding: the same engine, on any CPU) and
within the live parity bound of the build's map for that photo, with its progress shown meanwhile and no map
of another photo; a live label's map equals numpy over the stored occluded vectors and the label's vector,
recomputed by live mode's own worker."""
import base64
import io
import json
import re
import subprocess

import numpy as np
import pytest
from browser import SCREENSHOTS, Stored, add_label, in_web_engine
from PIL import Image
from test_live_browser import browser, content, manifest_of, open_site  # noqa: F401  (shared fixtures)
from test_own_photo import follow
from test_why import numpy_map, occlusion, page_cells

from explainer.embed import occluded_copies

FIGURE = "[data-testid=saliency-figure]"

# every state the figure passes through, with its progress and whether any cell carried a value meanwhile
WATCH = """() => {
  const figure = document.querySelector('[data-testid=saliency-figure]');
  window.__seen = [];
  new MutationObserver(() => {
    const values = [...figure.querySelectorAll('[data-row]')].map((e) => e.dataset.value);
    window.__seen.push({ state: figure.dataset.state, photo: figure.dataset.photo, progress: figure.dataset.progress,
                         valued: values.some((v) => v !== ''), shown: !figure.querySelector('.saliency-stage').hidden,
                         text: document.getElementById('saliency-own-text').textContent });
  }).observe(figure, { attributes: true, subtree: true, attributeFilter: ['data-state', 'data-progress'] });
}"""

SQUARE = """() => { const c = document.getElementById('saliency-own-square');
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  return { size: c.width, hidden: c.hidden, rgba: btoa(Array.from(data, (v) => String.fromCharCode(v)).join('')) }; }"""


def node(script):
    run = subprocess.run(["node", "--input-type=module"], input=script, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def worker_pixels(page, path, config):
    """(3, size, size) float32: a photo file as the page gives it to live mode's worker (ui/decode.js) and
    the worker preprocesses it (rules/preprocess.js)."""
    data = base64.b64encode(path.read_bytes()).decode()
    answer = page.evaluate("""async ([data, config]) => {
        const { decodeImage } = await import('./assets/ui/decode.js');
        const { preprocess } = await import('./assets/rules/preprocess.js');
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const values = preprocess(await decodeImage(new Blob([bytes], { type: 'image/jpeg' })), config);
        const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
        let text = '';
        for (let i = 0; i < raw.length; i += 8192) text += String.fromCharCode(...raw.subarray(i, i + 8192));
        return btoa(text);
    }""", [data, config])
    return np.frombuffer(base64.b64decode(answer), dtype="<f4").reshape(3, *config["crop"])


def test_the_workers_occluded_copies_are_the_builds(site, stand_in, content):
    """live/occlusion.js against explainer/embed.py's occluded_copies, on random values, in a grid that does not
    divide the square (the build's rounding) and in the model's own; the square's bytes back from the values."""
    from transformers import CLIPImageProcessorPil

    from explainer.embed import occluded_copies
    module = (site[0] / "assets" / "live" / "occlusion.js").as_uri()
    rng = np.random.default_rng(0)
    for size, grid in ((20, 3), (28, 7)):
        pixels = rng.normal(size=(3, size, size)).astype(np.float32)
        first, count = (2, 5) if grid == 3 else (0, 49)
        copies = node(f"const m = await import({json.dumps(module)});"
                      f"const px = Float32Array.from({json.dumps(pixels.ravel().tolist())});"
                      f"console.log(JSON.stringify(Array.from(m.occludedCopies(px, [{size}, {size}], {grid}, "
                      f"{first}, {count}))));")
        expected = occluded_copies(pixels, grid)[first:first + count]
        assert np.array_equal(np.array(copies, dtype=np.float32).reshape(expected.shape), expected), (size, grid)
    manifest = manifest_of(site[0])
    assert node(f"const m = await import({json.dumps(module)});"
                f"console.log(m.patchGrid({json.dumps(manifest['model'])}))") == 224 // 32  # from the config
    # the square under the map, from the preprocessed values: the build's seen/ file (its bytes before scaling)
    processor = CLIPImageProcessorPil.from_pretrained(stand_in.folder)
    photo = next(p for p in content.photos if p.id == "coffee")
    values = processor(images=[photo.image], return_tensors="np")["pixel_values"][0]      # (3, 224, 224)
    square = node(f"const m = await import({json.dumps(module)});"
                  f"const px = Float32Array.from({json.dumps(values.ravel().tolist())});"
                  f"console.log(JSON.stringify(Array.from(m.squarePixels(px, {json.dumps(manifest['preprocess'])}))));")
    rgba = np.array(square).reshape(224, 224, 4)
    built = np.asarray(Image.open(io.BytesIO((site[0] / "seen" / "coffee-input.png").read_bytes()))).astype(int)
    assert np.array_equal(rgba[..., :3], built) and (rgba[..., 3] == 255).all()


def test_own_photo_map_from_the_worker_is_the_builds_within_the_bound(site, content, open_site):
    out, _ = site
    bound = manifest_of(out)["bound"]["max_cosine_error"]
    stored = Stored(out)
    _, occluded = occlusion(out)
    page, watcher = open_site(out, "#photo=cat&template=photo")
    photo = next(p for p in content.photos if p.id == "coffee")  # not the photo on screen
    asked = len(watcher.requests)
    page.set_input_files("[data-testid=own-photo-input]", str(photo.path))  # the core article's picker
    page.locator("#own-photo-status", has_text="not sent anywhere").wait_for(timeout=120000)
    # the map is occlusion.html's: the photo goes there kept for the tab (live/ownkept.js), watched from its load
    page.add_init_script(f"document.addEventListener('DOMContentLoaded', {WATCH})")
    started = []  # live mode's workers there: its own, then the map's helper (this machine has the cores and memory)
    page.on("worker", lambda worker: started.append(worker) if worker.url.endswith("/live/worker.js") else None)
    follow(page, "occlusion.html")
    page.locator("#saliency").scroll_into_view_if_needed()
    page.wait_for_selector(f"{FIGURE}[data-photo^='own:'][data-state=ready]", timeout=180000)
    assert len(started) == 2, [w.url for w in started]
    for _ in range(50):  # the helper stops with the map (bounded wait: a worker's end is reported asynchronously)
        if sum(w.url.endswith("/live/worker.js") for w in page.workers) == 1:
            break
        page.wait_for_timeout(100)
    assert sum(w.url.endswith("/live/worker.js") for w in page.workers) == 1
    seen = page.evaluate("window.__seen")
    pending = [s for s in seen if s["state"] == "pending"]
    # while it came: its progress, no map shown, no cell with a value (not another photo's map)
    assert pending and not any(s["valued"] or s["shown"] for s in pending), pending
    done = [int(s["progress"].split("/")[0]) for s in pending]
    assert done == sorted(done) and done[-1] == 49 and any(0 < d < 49 for d in done), done
    assert "is coming" in pending[0]["text"] and f"{done[-1]} of 49" in pending[-1]["text"]
    label = page.get_attribute(FIGURE, "data-label")
    cells = page_cells(page)
    assert sorted(cells) == [(r, c) for r in range(7) for c in range(7)]
    mine = np.array([cells[divmod(k, 7)] for k in range(49)])
    # the same map from onnxruntime-web in Node (the worker's engine: the same numbers on any CPU): the photo as
    # the page decodes and preprocesses it, its occluded copies as the build makes them (the same bytes as
    # occlusion.js, above), in the worker's batches; cell for cell, so that a transposed or shifted grid fails
    pixels = worker_pixels(page, photo.path, manifest_of(out)["preprocess"])                        # (3, 224, 224)
    own = in_web_engine(out, "vision", pixels=pixels[None], batch=1)[0]                             # (dim,)
    batch = int(re.search(r"OCCLUSION_BATCH = (\d+);", (out / "assets" / "live" / "ownphoto.js").read_text())[1])
    copies = in_web_engine(out, "vision", pixels=occluded_copies(pixels, 7), batch=batch)  # (49, dim), as the page
    text = stored.texts("photo", [label])[0]
    recomputed = own @ text - copies @ text                                                         # (49,)
    assert np.abs(mine - recomputed).max() < 1e-6, np.abs(mine - recomputed).max()
    expected = numpy_map(stored, occluded, "coffee", "photo", label)  # the build's (torch) map of the same photo
    error = np.abs(mine - expected).max()
    assert error <= bound, error  # int8 against float32: the live bound, not the cells' own (small) sizes
    print(f"own-photo map: against Node {np.abs(mine - recomputed).max():.1e}, against the build max |error| "
          f"{error:.2e}, largest cell {np.abs(expected).max():.2e}, "
          f"correlation {np.corrcoef(mine, expected)[0, 1]:.5f}")
    # drawn over the square the model saw: the build's seen/ file within 1 level
    square = page.evaluate(SQUARE)
    assert not square["hidden"] and page.is_hidden("#saliency-photo")
    rgba = np.frombuffer(base64.b64decode(square["rgba"]), dtype=np.uint8).reshape(224, 224, 4)[..., :3].astype(int)
    built = np.asarray(Image.open(io.BytesIO((out / "seen" / "coffee-input.png").read_bytes()))).astype(int)
    assert np.abs(rgba - built).max() <= 1
    # nothing about the photo left the browser: only GETs without a body since it was given
    assert all(method == "GET" and size == 0 for method, _, size in watcher.requests[asked:])
    for width in (375, 1280):  # the figure with the reader's map fits the screen
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#saliency").screenshot(path=str(SCREENSHOTS / f"own-photo-saliency-{width}.png"))
    # a rival label: the own photo's difference map too
    rival = next(v for v in page.eval_on_selector_all("#saliency-rival option", "os => os.map(o => o.value)") if v)
    page.select_option("#saliency-rival", rival)
    page.wait_for_selector(f"{FIGURE}[data-rival='{rival}'][data-state=ready]")
    expected = numpy_map(stored, occluded, "coffee", "photo", label, rival)
    cells = page_cells(page)
    assert np.abs(np.array([cells[divmod(k, 7)] for k in range(49)]) - expected).max() <= 2 * bound
    # back to a built photo: its own map and its own square
    page.select_option("#saliency-rival", "")
    page.select_option("#bar-photo", "cat")
    page.locator("#saliency").scroll_into_view_if_needed()  # a figure far away waits (nearby.js)
    page.wait_for_selector(f"{FIGURE}[data-photo=cat][data-state=ready]")
    assert page.is_visible("#saliency-photo") and page.is_hidden("#saliency-own-square")
    cells = page_cells(page)
    expected = numpy_map(stored, occluded, "cat", "photo", page.get_attribute(FIGURE, "data-label"))
    assert np.abs(np.array([cells[divmod(k, 7)] for k in range(49)]) - expected).max() <= 1e-4


# the live label's vector, recomputed by live mode's own worker (a client of its own) from the same text
LIVE_VECTOR = """async ([text]) => {
  const { LiveClient } = await import('./assets/live/client.js');
  const live = new LiveClient('live/manifest.json');
  await live.load();
  const { vectors } = await live.embedTexts([text]);
  live.terminate();
  return Array.from(vectors[0]);
}"""


def test_a_live_labels_map_is_numpy_over_the_stored_vectors(site, open_site):
    out, _ = site
    stored = Stored(out)
    _, occluded = occlusion(out)
    page, _ = open_site(out, "#photo=rocket&template=photo")
    page.click("[data-testid=live-start]")
    page.locator("[data-testid=live-status]", has_text="Live mode is on").wait_for(timeout=120000)
    label = "tarantula eating sushi"
    add_label(page, label)
    row = f'#label-rows tr[data-label="{label}"]'
    page.wait_for_selector(f"{row}[data-state=ready][data-live=true]", timeout=60000)
    sim = page.get_attribute(row, "data-sim")  # the core article's row
    follow(page, "occlusion.html")  # the map's page: live mode was on in this tab, so it starts there again
    page.locator("#saliency").scroll_into_view_if_needed()
    page.wait_for_selector(f'#saliency-label option[value="{label}"]', state="attached", timeout=60000)
    page.locator("#saliency").scroll_into_view_if_needed()
    page.select_option("#saliency-label", label)
    page.wait_for_selector(f"{FIGURE}[data-label='{label}'][data-state=ready]", timeout=30000)
    cells = page_cells(page)
    snap = json.loads(page.text_content("#snapshot"))
    template = next(t for t in snap["templates"] if t["id"] == "photo")
    text = np.array(page.evaluate(LIVE_VECTOR, [template["text"].replace("{label}", label)]), dtype=np.float64)
    image = stored.images[stored.photo_ids.index("rocket")]
    assert float(sim) == pytest.approx(image @ text, abs=1e-6)
    expected = image @ text - occluded["rocket"] @ text                                           # (49,)
    assert np.abs(np.array([cells[divmod(k, 7)] for k in range(49)]) - expected).max() <= 1e-4


# appended to the worker's module: the occluded copies fail as running out of memory would
FAIL_OCCLUDED = """
HANDLERS.occluded = () => Promise.reject(new RangeError('Out of memory'));
"""


def test_a_failed_own_photo_map_is_said_and_no_map_is_shown(site, content, open_site):
    out, _ = site
    page, _ = open_site(out, "#photo=cat")
    worker = (out / "assets" / "live" / "worker.js").read_text() + FAIL_OCCLUDED
    page.route("**/assets/live/worker.js", lambda route: route.fulfill(
        status=200, content_type="text/javascript", body=worker))
    page.set_input_files("[data-testid=own-photo-input]", str(next(p for p in content.photos if p.id == "coffee").path))
    page.wait_for_selector("input[name=photo][data-own]:checked", timeout=120000)  # the photo itself is in
    follow(page, "occlusion.html")  # the map's page, the photo kept for the tab
    page.locator("#saliency").scroll_into_view_if_needed()
    page.wait_for_selector(f"{FIGURE}[data-photo^='own:'][data-state=failed]", timeout=60000)
    assert "could not be made" in page.text_content("#saliency-own-text")
    assert "memory" in page.text_content("#saliency-own-text")
    assert page.is_hidden(f"{FIGURE} .saliency-stage") and page.is_visible("#saliency-own")
    assert all(v == "" for v in page.eval_on_selector_all(f"{FIGURE} [data-row]", "es => es.map(e => e.dataset.value)"))
    assert page.locator("#saliency-table tbody tr").count() == 0
    assert page.eval_on_selector_all(f"{FIGURE} .saliency-tick", "ts => ts.map(t => t.textContent)") == ["", "0", ""]
