"""The reader's own photo in every figure, in Chromium (stand-in). "What the model sees" is drawn in the
browser from the photo tower's own preprocessing (live/preprocess.js): for each of the six photos, the
browser's drawing must equal the build's site/seen/ files (made by Python's processor) within 1/255 and its
statistics to 1e-3. A photo given through the file input shows one current photo, says where its vector
was made, is marked in the gap figure and makes no request for seen/ files; a file that is not an image
is refused in words and the previous photo stays chosen."""
import base64
import io
import json
import subprocess

import numpy as np
import pytest
from browser import SCREENSHOTS, show_figures
from PIL import Image
from test_live_browser import browser, content, open_site  # noqa: F401  (shared fixtures)

DRAW = """async ([data]) => {
  const { decodeImage } = await import('./assets/ui/decode.js');
  const { modelInput } = await import('./assets/figures/seen.js');
  const manifest = await (await fetch('live/manifest.json')).json();
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const drawn = modelInput(await decodeImage(new Blob([bytes])), manifest.preprocess);
  const b64 = (rgba) => btoa(Array.from(rgba, (v) => String.fromCharCode(v)).join(''));
  return { size: drawn.size, input: b64(drawn.input), channels: drawn.channels.map(b64), stats: drawn.stats };
}"""

CANVAS = """(id) => { const c = document.getElementById(id);
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const rgba = btoa(Array.from(data, (v) => String.fromCharCode(v)).join(''));
  return { width: c.width, hidden: c.hidden, rgba }; }"""


def rgba(text, size):
    return np.frombuffer(base64.b64decode(text), dtype=np.uint8).reshape(size, size, 4).astype(int)


def stored_png(out, name):
    return np.asarray(Image.open(io.BytesIO((out / "seen" / name).read_bytes()))).astype(int)


def test_browser_drawing_equals_the_builds_files(site, content, open_site):
    out, _ = site
    stats = json.loads((out / "seen" / "stats.json").read_text())
    page, _ = open_site(out)
    for photo in content.photos:
        drawn = page.evaluate(DRAW, [base64.b64encode(photo.path.read_bytes()).decode()])
        size = drawn["size"]
        stored = stored_png(out, f"{photo.id}-input.png")
        assert np.abs(rgba(drawn["input"], size)[..., :3] - stored).max() <= 1, photo.id
        for c, name in enumerate("rgb"):
            grey = rgba(drawn["channels"][c], size)[..., 0]
            assert np.abs(grey - stored_png(out, f"{photo.id}-{name}.png")).max() <= 1, (photo.id, name)
            for key in ("mean", "min", "max"):
                assert abs(drawn["stats"][name][key] - stats[photo.id][name][key]) <= 1e-3 + 1e-9, (photo.id, name, key)


def test_own_photo_in_every_figure(site, content, open_site):
    out, _ = site
    page, watcher = open_site(out)
    before = page.evaluate("document.querySelector('input[name=photo]:checked').value")
    photo = next(p for p in content.photos if p.id != before and p.path.suffix == ".jpg")  # not the one on screen
    asked = len(watcher.requests)
    page.set_input_files("[data-testid=own-photo-input]", str(photo.path))
    page.wait_for_selector("input[name=photo][data-own]:checked", timeout=120000)
    page.locator("#own-photo-status", has_text="not sent anywhere").wait_for(timeout=60000)
    # one current photo: the page's <img> is hidden (not drawn under the canvas)
    assert page.evaluate("getComputedStyle(document.getElementById('current-photo')).display") == "none"
    assert page.is_visible("#own-photo-canvas")
    caption = page.inner_text("#photo-caption")
    assert caption.count("photo") + caption.count("Photo") == 1, caption
    assert page.inner_text("#embed-where") == "in this browser"
    live = page.text_content("[data-testid=live-status]")
    assert "Live mode is on · text ready · photo tower ready" in live and "stand-in" in live  # the warning stays
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#photo-picker").screenshot(path=str(SCREENSHOTS / f"own-photo-picker-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    # "What the model sees" (seen.html, the photo kept for the tab: live/ownkept.js): equal to the build's files
    follow(page, "seen.html")
    show_figures(page, "seen")
    page.wait_for_selector("[data-testid=seen-figure][data-photo^='own:'] #seen-input-canvas", timeout=30000)
    assert page.evaluate("document.getElementById('seen-input').hidden")
    drawn = page.evaluate(CANVAS, "seen-input-canvas")
    size = drawn["width"]
    assert np.abs(rgba(drawn["rgba"], size)[..., :3] - stored_png(out, f"{photo.id}-input.png")).max() <= 1
    stats = json.loads((out / "seen" / "stats.json").read_text())[photo.id]
    for name in "rgb":
        assert abs(float(page.get_attribute(f"#seen-{name}-stats", "data-mean")) - stats[name]["mean"]) <= 1e-3
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator("#seen").screenshot(path=str(SCREENSHOTS / f"own-photo-seen-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    # the gap figure (space.html) marks the reader's photo as the chosen one; crowding (myths.html) says it cannot
    follow(page, "space.html")
    show_figures(page, "gap")
    chosen = page.locator("#gap-table tbody tr[data-chosen]")
    assert chosen.count() == 1 and "Your photo" in chosen.text_content()
    follow(page, "myths.html")
    show_figures(page, "crowding")
    assert "cannot follow your photo" in page.inner_text("#crowding-summary")
    since = [url for _, url, _ in watcher.requests[asked:]]
    assert not [u for u in since if "own:" in u or "own%3A" in u or "undefined" in u], since  # 404s fail the watcher
    # back to a built photo on seen.html: its files again; on the core article the stats card says build time
    follow(page, "seen.html")
    page.select_option("#bar-photo", before)
    page.wait_for_selector(f"[data-testid=seen-figure][data-photo={before}]", timeout=10000)
    assert not page.evaluate("document.getElementById('seen-input').hidden")
    follow(page, "index.html")
    page.check(f"input[name=photo][value={before}]")
    assert page.inner_text("#embed-where") == "at build time"


def follow(page, file):
    """Click the site map's link to `file` (links.js writes the view into it) and wait for that page."""
    page.click(f"[data-testid=site-map] a[href^='{file}']")
    page.wait_for_url(f"**/{file}#*", timeout=30000)
    page.wait_for_selector("body[data-ready=true]", timeout=30000)


# (file name, bytes, what the status line says): refused from the header (imagesize.js), or by the decoder
PNG_HEADER = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10"  # a 16 x 16 PNG's header, then nothing usable
NOT_IMAGES = [("notes.txt", b"not a photo at all", "is not a PNG, JPEG"),
              ("broken.png", PNG_HEADER + b"\0" * 64, "“broken.png” could not be read as an image")]


@pytest.mark.parametrize("name, data, words", NOT_IMAGES)
def test_a_file_that_is_not_an_image_is_refused_in_words(site, open_site, tmp_path, name, data, words):
    out, _ = site
    page, watcher = open_site(out)
    before = page.evaluate("document.querySelector('input[name=photo]:checked').value")
    bad = tmp_path / name
    bad.write_bytes(data)
    page.set_input_files("[data-testid=own-photo-input]", str(bad))
    page.locator("#own-photo-status", has_text=words).wait_for(timeout=30000)
    assert page.evaluate("document.querySelector('input[name=photo]:checked').value") == before
    assert not any(url.split("/", 3)[-1].startswith("live/") for _, url, _ in watcher.requests)  # no download
    page.check("input[name=photo]:not(:checked)")  # the page keeps working
    page.wait_for_selector("body[data-ready=true]:not([data-loading])")


# ---- a live text that starts like a template (templateecho.js, in Node) ------------------------------

ECHOES = [  # (template, text, the "… of" phrase the row names, or None: nothing to say)
    ("a photo of a {label}.", "a drawing of a tiny robot", "a drawing of"),
    ("a photo of a {label}.", "A photo of my cat", "A photo of"),
    ("itap of a {label}.", "blurry photo of a dog", "blurry photo of"),
    ("a photo of a {label}.", "a cup of coffee", None),         # "cup of" begins no template
    ("a photo of a {label}.", "tarantula eating sushi", None),
    ("{label}", "a drawing of a tiny robot", None),              # read as written
    ("ensemble of 80 ImageNet templates", "a drawing of a tiny robot", None),
]


def test_template_echo_rule(site):
    texts = ["{label}", "a photo of a {label}.", "a blurry photo of a {label}.", "a drawing of a {label}.",
             "itap of a {label}.", "a photo of the small {label}."]
    module = (site[0] / "assets" / "labels" / "templateecho.js").as_uri()
    script = (f"const {{ templateEcho }} = await import({json.dumps(module)});"
              f"const cases = {json.dumps([[t, x] for t, x, _ in ECHOES])};"
              f"console.log(JSON.stringify(cases.map(([t, x]) => templateEcho(t, x, {json.dumps(texts)}))));")
    run = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60)
    found = json.loads(run.stdout)
    for (template, text, head), echo in zip(ECHOES, found, strict=True):
        assert (echo and echo["head"]) == head, (template, text, echo)
        if echo:  # a text's own article takes the place of the template's (test_label_box.py)
            own_article = text.split()[0].lower() in ("a", "an", "the")
            assert echo["prompt"] == (template.replace("a {label}", "{label}") if own_article
                                      else template).replace("{label}", text)
