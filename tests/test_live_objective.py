"""The objective figure with live mode (issue 34, item 1), in Chromium (stand-in): what live mode adds is said
before anything is fetched; live mode started from the figure on the deep-dive page (which has no label editor);
a caption the reader types embedded by live mode's worker as it is (no template) and put in the batch (then the
reader's own photo, with a typed caption, as one more pair): its
column's logits against the same text run by onnxruntime-web in Node on the files the page downloaded, every
other column against the stored vectors, and the softmaxes, losses and gradients against numpy from the page's
own logits (1e-6). The Watcher fails any CSP violation or request to another origin."""
import json
import re

import numpy as np
from browser import Stored, decode, in_web_engine, show_figures
from test_browser_objective import READ
from test_live_browser import browser, content, open_site  # noqa: F401  (shared fixtures)
from test_objective import numpy_objective

PAGE = "numbers.html"  # the deep-dive page "What the numbers mean"
TOLERANCE = 1e-6
TYPED = "a small dog asleep on a red sofa"
PHOTO = 1  # the second photo of the batch gets the typed caption


def check_from_logits(shown, logits):
    """The figure's losses, both softmaxes and the gradient are numpy's from the page's own logits (n, n)."""
    expected = numpy_objective(logits)
    for key, name in (("loss", "loss"), ("lossImage", "loss_image"), ("lossText", "loss_text")):
        assert abs(float(shown["figure"][key]) - expected[name]) < TOLERANCE, key
    for c in shown["cells"]:
        i, j = int(c["row"]), int(c["col"])
        assert abs(float(c["pRow"]) - expected["p_row"][i, j]) < TOLERANCE
        assert abs(float(c["pCol"]) - expected["p_col"][i, j]) < TOLERANCE
        assert abs(float(c["grad"]) - expected["grad"][i, j]) < TOLERANCE


def test_a_typed_caption_and_the_readers_photo_join_the_batch(site, content, open_site):  # noqa: F811
    out, _ = site
    stored = Stored(out)
    batch = json.loads((out / "data" / "objective.json").read_text())
    captions = decode(batch["vectors"], stored.dim)  # (P, dim) the alt texts
    page, watcher = open_site(out, PAGE)
    show_figures(page, "objective")
    offer = page.text_content("#objective-live")
    assert "one click" in offer and re.search(r"\d+(\.\d+)? MB", offer)  # what it costs, before any fetch
    assert page.locator("#objective-typed").is_hidden()  # no box for any text before live mode
    towers = json.loads((out / "live" / "manifest.json").read_text())
    assert not any(url.endswith(towers["text"]["file"]) for _, url, _ in watcher.requests)  # nothing downloaded
    page.click("[data-testid=live-start-objective]")
    page.locator("[data-testid=live-status]", has_text="Live mode is on").wait_for(timeout=120000)
    page.locator("#objective-typed").wait_for(state="visible", timeout=10000)

    photo_id = stored.photo_ids[PHOTO]
    page.select_option("#objective-photo", photo_id)
    page.fill("#objective-caption-text", f"  {TYPED} ")
    page.click("#objective-typed button[type=submit]")
    page.wait_for_function(f"() => document.querySelector('#objective th[data-col=\"{PHOTO}\"]').dataset.caption"
                           f" === {json.dumps(TYPED)}", timeout=60000)
    assert TYPED in page.text_content("#objective-typed-status")
    shown = page.evaluate(READ)
    assert shown["captions"][PHOTO] == TYPED

    tau = float(shown["figure"]["tau"])
    live = in_web_engine(out, "text", [TYPED], batch=1)[0]  # (dim,) the same text on the page's files in Node
    expected_captions = captions.copy()
    expected_captions[PHOTO] = live
    expected_logits = stored.images @ expected_captions.T / tau  # (P, P)
    n = len(stored.images)
    logits = np.zeros((n, n))
    for c in shown["cells"]:
        logits[int(c["row"]), int(c["col"])] = float(c["logit"])
    others = [j for j in range(n) if j != PHOTO]
    np.testing.assert_allclose(logits[:, others], expected_logits[:, others], atol=TOLERANCE * 100)  # |logit| < 100
    # the typed column: the worker's vector and Node's, the same files on the same single text (float rounding)
    np.testing.assert_allclose(logits[:, PHOTO], expected_logits[:, PHOTO], atol=1e-4)
    check_from_logits(shown, logits)  # every other number from the page's own logits

    # the reader's own photo (one of the six, given through the figure's file input) with a typed caption: one more
    # pair, its row's cosines those of the stored photo within live mode's bound
    bound = json.loads((out / "live" / "manifest.json").read_text())["bound"]["max_cosine_error"]
    page.set_input_files("#objective-own-photo", str(content.photos[0].path))
    page.wait_for_function("() => document.querySelectorAll('#objective-photo option').length > "
                           f"{len(stored.photo_ids)}", timeout=120000)
    own = page.evaluate("() => [...document.querySelectorAll('#objective-photo option')].at(-1).value")
    page.select_option("#objective-photo", own)
    page.fill("#objective-caption-text", TYPED)
    page.click("#objective-typed button[type=submit]")
    page.wait_for_function(f"() => document.querySelectorAll('#objective th[data-caption]').length === {n + 1}",
                           timeout=60000)
    shown = page.evaluate(READ)
    assert shown["captions"][n] == TYPED and len(shown["cells"]) == (n + 1) ** 2
    big = np.zeros((n + 1, n + 1))
    for c in shown["cells"]:
        big[int(c["row"]), int(c["col"])] = float(c["logit"])
    own_image = stored.images[stored.photo_ids.index(content.photos[0].id)]
    assert np.abs(big[n, :n] * tau - expected_captions @ own_image).max() <= bound + 1e-3  # + the stored float16
    check_from_logits(shown, big)

    # its own alt text again: the typed caption goes
    page.select_option("#objective-photo", photo_id)
    page.select_option("#objective-caption", "")
    page.wait_for_function(f"() => document.querySelector('#objective th[data-col=\"{PHOTO}\"]').dataset.caption"
                           f" === {json.dumps(batch['captions'][PHOTO])}", timeout=10000)
