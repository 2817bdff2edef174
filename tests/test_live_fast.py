"""Live mode fast and remembered, in Chromium (stand-in), issue #22 items 2 and 3: a live label is scored
under the template on screen first (its row has numbers with data-templates-ready="1"), the other templates
follow in the background (a template not ready yet shows the row pending, never a number), and the numbers
under each are Python's; live mode's files are kept in Cache Storage under their sha256, so a reload starts
live mode without fetching any of them, a damaged entry is detected and fetched again, and "forget" empties
the cache. The Watcher (tests/browser.py) sees every request, the worker's too."""
import hashlib
import json
import re

import numpy as np
from browser import Stored, add_label, page_view
from test_live_browser import browser, content, manifest_of, open_site  # noqa: F401  (shared fixtures)
from test_live_ui import LABEL, ROW, check_live_view, turn_on

from explainer.live import tower_files

# Watches the label's row from before Enter: every (data-state, data-templates-ready) it shows, and, the moment
# it first has numbers, switches the template to the ensemble (80 sentences, embedded last in the background),
# recording what the row says then.
WATCH_ROW = """([label]) => {
  window.__rowSeen = [];
  const select = document.getElementById('template-select');
  new MutationObserver(() => {
    const row = document.querySelector(`#label-rows tr[data-label="${label}"]`);
    if (!row) return;
    const seen = [row.dataset.state, Number(row.dataset.templatesReady)];
    const last = window.__rowSeen.at(-1);
    if (last && last[0] === seen[0] && last[1] === seen[1]) return;
    window.__rowSeen.push(seen);
    if (seen[0] === 'ready' && !window.__switched) {
      window.__switched = true;
      select.value = 'ensemble';
      select.dispatchEvent(new Event('change', { bubbles: true }));
      const now = document.querySelector(`#label-rows tr[data-label="${label}"]`);
      window.__afterSwitch = { state: now.dataset.state, sim: now.dataset.sim ?? null, text: now.textContent,
                               ready: Number(now.dataset.templatesReady) };
    }
  }).observe(document.getElementById('label-rows'), { childList: true, subtree: true, attributes: true });
}"""


def test_live_label_first_under_the_template_on_screen(site, stand_in, content, open_site):
    out, _ = site
    n_templates = len(content.templates)
    page, _ = open_site(out, "#template=photo")
    turn_on(page)
    page.evaluate(WATCH_ROW, [LABEL])
    add_label(page, LABEL)
    page.wait_for_selector(f'{ROW}[data-state=ready][data-templates-ready="{n_templates}"]', timeout=60000)
    seen = page.evaluate("window.__rowSeen")
    first_ready = next(s for s in seen if s[0] == "ready")
    assert first_ready == ["ready", 1], seen  # numbers with one template's vector: the one on screen
    after = page.evaluate("window.__afterSwitch")
    # the ensemble was not ready: the row is pending, with no number, and says why
    assert after["state"] == "pending" and after["sim"] is None, after
    assert "embedding under this template" in after["text"]
    assert after["ready"] < n_templates
    assert max(s[1] for s in seen) == n_templates
    assert page.locator(f"{ROW} [data-testid=templates-coming]").count() == 0  # nothing left to come
    check_live_view(page, out, stand_in, content)  # the ensemble's numbers, against Python's
    for template in ("photo", "itap", "bare"):
        page.select_option("#template-select", template)
        check_live_view(page, out, stand_in, content)


def test_row_says_which_templates_are_still_coming(site, content, open_site):
    out, _ = site
    page, _ = open_site(out, "#template=photo")
    turn_on(page)
    # the moment the row has numbers, the templates still coming are named on it
    page.evaluate("""([label]) => new MutationObserver((_, observer) => {
      const row = document.querySelector(`#label-rows tr[data-label="${label}"][data-state=ready]`);
      if (!row) return;
      window.__coming = row.querySelector('[data-testid=templates-coming]')?.textContent ?? null;
      observer.disconnect();
    }).observe(document.getElementById('label-rows'), { childList: true, subtree: true })""", [LABEL])
    add_label(page, LABEL)
    page.wait_for_selector(f'{ROW}[data-templates-ready="{len(content.templates)}"]', timeout=60000)
    coming = page.evaluate("window.__coming")
    assert coming and coming.startswith("still embedding:"), coming
    shorts = [t.short or t.id for t in content.templates if t.id != "photo"]
    assert all(name in coming for name in shorts), (coming, shorts)


# ---- remembered ----------------------------------------------------------------------------------------

CACHE_NAME = "clip-explainer-live-v1"
CACHED_DIGEST = """async ([name, sha]) => {
  const cache = await caches.open(name);
  const response = await cache.match(new URL(`/live-mode-files/${sha}`, location.origin).href);
  if (!response) return null;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await response.arrayBuffer()));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}"""
DAMAGE = """async ([name, sha]) => {
  const cache = await caches.open(name);
  await cache.put(new URL(`/live-mode-files/${sha}`, location.origin).href, new Response('not the model'));
}"""


def live_files(manifest):
    """The files live mode fetches for texts: {file name: sha256}."""
    entries = [*tower_files(manifest["text"]), manifest["tokenizer"], manifest["entities"],
               *manifest["runtime"]["files"]]
    return {entry["file"]: entry["sha256"] for entry in entries}


def test_second_start_fetches_nothing_and_a_damaged_entry_is_fetched_again(site, content, open_site):
    out, _ = site
    manifest = manifest_of(out)
    files = live_files(manifest)
    page, _ = open_site(out)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    assert page.locator("#live-cached").count() == 0  # nothing cached yet
    turn_on(page)
    fetched = [u for u in requests if u.rsplit("/", 1)[-1] in files]
    assert sorted(u.rsplit("/", 1)[-1] for u in fetched) == sorted(files)  # each once, the first time
    page.locator("#live-cached", has_text="cached (").wait_for(timeout=60000)  # said once the writes are done
    for name, sha in files.items():  # every file is kept under its sha256, whole
        assert page.evaluate(CACHED_DIGEST, [CACHE_NAME, sha]) == sha, name
    assert "downloaded" in page.text_content("[data-testid=live-status]")

    # a reload: the panel says so, and live mode starts with nothing fetched
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    text_mb = sum(e["bytes"] for e in [*tower_files(manifest["text"]), manifest["tokenizer"], manifest["entities"],
                                       *manifest["runtime"]["files"]]) / 1e6
    page.locator("#live-cached", has_text="cached (").wait_for(timeout=30000)
    assert f"cached ({text_mb:.1f} MB)" in page.text_content("#live-cached")  # beside the panel
    requests.clear()
    turn_on(page)
    assert not [u for u in requests if u.rsplit("/", 1)[-1] in files], requests
    assert "from this browser's cache" in page.text_content("[data-testid=live-status]")
    assert "downloaded" not in page.text_content("[data-testid=live-status]")
    add_label(page, LABEL)  # the cached tower works
    page.wait_for_selector(f"{ROW}[data-state=ready]", timeout=60000)

    # a damaged entry: detected when read, fetched again (never used), and replaced
    text_file, text_sha = manifest["text"]["file"], manifest["text"]["sha256"]
    page.evaluate(DAMAGE, [CACHE_NAME, text_sha])
    assert page.evaluate(CACHED_DIGEST, [CACHE_NAME, text_sha]) != text_sha
    requests.clear()
    page.reload()  # live mode was on in this tab and a live label is in the view: the page starts it by itself
    page.locator("[data-testid=live-status]", has_text="Live mode is on").wait_for(timeout=120000)
    start = page.locator("[data-testid=live-start]")
    assert start.is_hidden() or start.is_disabled()
    assert [u.rsplit("/", 1)[-1] for u in requests if u.rsplit("/", 1)[-1] in files] == [text_file]
    assert "1 damaged cached file fetched again" in page.text_content("[data-testid=live-status]")
    page.wait_for_function(f"async () => ({CACHED_DIGEST})(['{CACHE_NAME}', '{text_sha}']).then((d) => d === "
                           f"'{text_sha}')", timeout=60000)  # rewritten, whole
    add_label(page, "a second live label")
    page.wait_for_selector('#label-rows tr[data-label="a second live label"][data-state=ready]', timeout=60000)
    view = page_view(page)
    stored = Stored(out)
    assert "a second live label" in view["labels"]
    assert all(np.isfinite(view["sims"])) and stored.dim == manifest["model"]["dim"]

    # forget: the cache is emptied, and the panel says so
    page.click("[data-testid=live-forget]")
    page.locator("#live-cached", has_text="forgotten").wait_for(timeout=10000)
    assert page.evaluate("async (name) => (await caches.keys()).includes(name)", CACHE_NAME) is False
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_timeout(500)  # the idle check has run (it finds nothing to say)
    assert page.locator("#live-cached").count() == 0


def test_snapshot_lists_the_files_to_look_up(site):
    out, _ = site
    manifest = manifest_of(out)
    html = (out / "index.html").read_text()
    summary = json.loads(re.search(r'id="snapshot">(.*?)</script>', html, re.S)[1])["live"]
    by_part = {}
    for entry in summary["files"]:
        by_part.setdefault(entry["part"], set()).add(entry["sha256"])
    assert by_part["text"] == set(live_files(manifest).values())
    assert by_part["vision"] == {e["sha256"] for e in tower_files(manifest["vision"])}
    path = out / "live" / manifest["text"]["file"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == manifest["text"]["sha256"]
    assert sum(e["bytes"] for e in summary["files"] if e["part"] == "text") == sum(
        e["bytes"] for e in [*tower_files(manifest["text"]), manifest["tokenizer"], manifest["entities"],
                             *manifest["runtime"]["files"]])
