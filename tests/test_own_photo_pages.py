"""The reader's own photo across the site's pages (live/ownkept.js), in Chromium (stand-in). Chosen on the core
article, it follows a link to seen.html, towers.html and occlusion.html in the same tab: the address names it
(photo=own:1), its pixels, vector and towers' numbers are kept in the tab's sessionStorage (never sent: no request
names it), the page restores it without starting the photo tower, and each figure shows it: "What the model sees"
draws the very pixels (equal to the build's file for that photo), the attention figure shows live mode's numbers,
the occlusion map is computed by live mode's worker once it comes near. Back keeps it. An address naming an own photo
this tab does not keep falls back to the default photo with a notice."""
import json

import numpy as np
from browser import show_figures
from test_live_browser import browser, content, open_site  # noqa: F401  (shared fixtures)
from test_own_photo import CANVAS, follow, rgba, stored_png

KEY = "clip-explainer-own-photos"
OWN = "own:1"


def live_workers(page):
    return [w for w in page.workers if w.url.endswith("/live/worker.js")]


def test_own_photo_follows_links_to_every_page(site, content, open_site):
    out, _ = site
    page, watcher = open_site(out)
    before = page.evaluate("document.querySelector('input[name=photo]:checked').value")
    photo = next(p for p in content.photos if p.id != before and p.path.suffix == ".jpg")
    page.set_input_files("[data-testid=own-photo-input]", str(photo.path))
    page.wait_for_selector("input[name=photo][data-own]:checked", timeout=120000)
    page.locator("#own-photo-status", has_text="not sent anywhere").wait_for(timeout=60000)
    assert "photo=own%3A1" in page.url
    kept = json.loads(page.evaluate(f"sessionStorage.getItem('{KEY}')"))
    assert [k["id"] for k in kept] == [OWN] and kept[0]["image"].startswith("data:image/png;base64,")

    follow(page, "seen.html")
    assert page.input_value("#bar-photo") == OWN and not live_workers(page)  # restored, no tower started
    show_figures(page, "seen")
    page.wait_for_selector(f"[data-testid=seen-figure][data-photo='{OWN}'] #seen-input-canvas", timeout=30000)
    drawn = page.evaluate(CANVAS, "seen-input-canvas")
    size = drawn["width"]
    assert np.abs(rgba(drawn["rgba"], size)[..., :3] - stored_png(out, f"{photo.id}-input.png")).max() <= 1

    page.go_back()
    page.wait_for_selector("body[data-ready=true]", timeout=30000)
    assert page.url.split("#")[0].endswith("/") or "index.html" in page.url
    assert page.input_value("#bar-photo") == OWN
    page.wait_for_selector("input[name=photo][data-own]:checked", timeout=10000)

    follow(page, "towers.html")
    assert page.input_value("#bar-photo") == OWN
    show_figures(page, "attention")
    page.wait_for_selector(f"[data-testid=attention-figure][data-photo='{OWN}'][data-state=ready]", timeout=30000)

    follow(page, "occlusion.html")
    assert page.input_value("#bar-photo") == OWN  # its map starts live mode: the figure is near at load
    page.locator("#saliency").scroll_into_view_if_needed()
    page.wait_for_selector(f"[data-testid=saliency-figure][data-photo='{OWN}'][data-state=ready]", timeout=180000)
    values = page.eval_on_selector_all("[data-testid=saliency-figure] [data-row]",
                                       "(cells) => cells.map((c) => c.dataset.value)")
    assert len(values) == 49 and all(v not in ("", None) for v in values)
    page.go_back()
    page.wait_for_selector("body[data-ready=true]", timeout=30000)
    assert "towers.html" in page.url and page.input_value("#bar-photo") == OWN
    assert not [u for _, u, _ in watcher.requests if "own:" in u.split("#")[0] or "own%3A" in u.split("#")[0]]


def test_an_own_photo_not_kept_falls_back_with_a_notice(site, open_site):
    out, _ = site
    page, _ = open_site(out, "seen.html#photo=own:3&template=photo")
    assert page.input_value("#bar-photo") != "own:3"
    assert "not kept in this tab" in page.inner_text("#view-notice")
