"""Live mode meets the reader's intent (issue #37), in Chromium (stand-in): the photo tower is not fetched at page
load, nor when live mode starts for texts, nor when a reader points at the file input before live mode is on; once
live mode is on, pointing at the photo input's sentence starts it (while the file dialog would be open), each of
its files is fetched once and the worker loads it once (no second start, no second hash of its bytes), and the
photo chosen then is embedded by it. While the reader types the next label, the background batches of the last one wait.
Only what a busy machine cannot change is checked: which files are fetched and how often, what the page says."""
from browser import add_label
from test_live_browser import browser, content, manifest_of, open_site  # noqa: F401  (shared fixtures)
from test_live_ui import LABEL, ROW, turn_on

from explainer.live import tower_files

LOADS = """() => performance.getEntriesByName('live-loaded').map((m) => m.detail.parts)"""


def test_the_photo_tower_starts_on_intent_once(site, content, open_site):
    out, _ = site
    vision = {f["file"] for f in tower_files(manifest_of(out)["vision"])}
    page, _ = open_site(out)
    requests = []
    page.on("request", lambda request: requests.append(request.url.rsplit("/", 1)[-1]))
    photo_input = "[data-testid=own-photo-input]"
    page.hover(photo_input)  # live mode is off: pointing at the input downloads nothing
    page.focus(photo_input)
    page.wait_for_timeout(300)
    assert not vision & set(requests)
    turn_on(page)
    page.wait_for_timeout(300)
    assert not vision & set(requests), "the photo tower came with the text tower"
    assert page.evaluate(LOADS) == [["text"]]

    # live mode on: the reader reaches for a photo, pointing at the input's sentence (its <label>, which opens the
    # file dialog too), away from the input itself
    page.locator("#own-photo label").scroll_into_view_if_needed()
    words = page.evaluate("""() => {  // the middle of the sentence's first words, on the page
      const range = document.createRange();
      range.selectNodeContents(document.querySelector('#own-photo label').firstChild);
      const box = range.getClientRects()[0];
      return { x: box.left + 10, y: box.top + box.height / 2 };
    }""")
    assert page.evaluate("({ x, y }) => document.elementFromPoint(x, y).matches('#own-photo label')", words)
    page.mouse.move(words["x"], words["y"])
    page.locator("[data-testid=live-status]", has_text="photo tower ready").wait_for(timeout=120000)
    assert sorted(r for r in requests if r in vision) == sorted(vision)  # each file once
    assert page.evaluate(LOADS) == [["text"], ["text", "vision"]]
    assert page.evaluate("() => performance.getEntriesByName('own-photo-intent').length") == 1

    page.set_input_files(photo_input, str(content.photos[0].path))
    page.locator("#own-photo-status", has_text="embedded in this browser").wait_for(timeout=120000)
    page.focus(photo_input)  # and again: nothing more starts
    page.wait_for_timeout(300)
    assert sorted(r for r in requests if r in vision) == sorted(vision)  # not fetched again
    assert page.evaluate(LOADS) == [["text"], ["text", "vision"]]  # not loaded (nor hashed) again


# The label entered from the box; the moment its row shows (pending, being embedded), the reader is typing the next
# one in the focused box: when the row gets its numbers, the background finds the reader typing.
ENTER_THEN_TYPE = """(label) => {
  const input = document.getElementById('add-label-input');
  new MutationObserver((_, observer) => {
    if (!document.querySelector(`#label-rows tr[data-label="${label}"]`)) return;
    observer.disconnect();
    input.focus();
    input.value = 'another label';
  }).observe(document.getElementById('label-rows'), { childList: true });
  input.focus();
  input.value = label;
  input.form.requestSubmit();
}"""


def test_background_batches_wait_while_the_reader_types(site, content, open_site):
    out, _ = site
    page, _ = open_site(out)
    turn_on(page)
    add_label(page, "a warm-up text")  # the combobox's code and the names are loaded
    page.wait_for_selector('#label-rows tr[data-label="a warm-up text"][data-state=ready]', timeout=60000)
    n_templates = len(content.templates)
    page.wait_for_selector(f'#label-rows tr[data-label="a warm-up text"][data-templates-ready="{n_templates}"]',
                           timeout=120000)
    page.evaluate(ENTER_THEN_TYPE, LABEL)
    page.wait_for_selector(f"{ROW}[data-state=ready]", timeout=60000)
    page.wait_for_timeout(1500)  # within the hold (4 s): nothing of the background has run
    assert page.get_attribute(ROW, "data-templates-ready") == "1"
    assert page.input_value("[data-testid=label-input]") == "another label"
    page.fill("[data-testid=label-input]", "")  # the reader stops typing: the rest follows
    page.wait_for_selector(f'{ROW}[data-templates-ready="{n_templates}"]', timeout=120000)
