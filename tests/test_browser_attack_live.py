"""The attack lab with live mode (issue 35): a word typed is stamped in the browser (rules/stamp.js, onto the build's
own unstamped canvas) and embedded by live mode's photo tower. A built-in word stamped live agrees with the build's
stamped vector within live mode's bound (settings.yaml live.max_cosine_error, the bound the build measured its
towers against), and any other word gets its rows, with the stamp shown."""
import numpy as np
from browser import Stored
from conftest import read_snapshot
from test_attack import stored_attack
from test_browser_attack import PAGE, lab
from test_own_photo import follow


def stamp_live(page, word):
    page.locator("#attack").scroll_into_view_if_needed(timeout=10000)
    page.fill("[data-testid=attack-live-word]", word)
    page.press("[data-testid=attack-live-word]", "Enter")
    page.wait_for_selector(f'[data-testid=attack-figure][data-source=live][data-state=ready][data-word="{word}"]',
                           timeout=120000)
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=attack-figure] tbody tr')].map((tr) =>
        [tr.dataset.label, Number(tr.dataset.cosine), Number(tr.dataset.prob)])""")


def test_a_built_in_word_stamped_live_agrees_with_the_build(open_page, server):
    _, _, stored = server
    out = stored.out
    bound = read_snapshot((out / PAGE).read_text())["live"]["bound"]["max_cosine_error"]  # settings.yaml's
    page, watcher = open_page(PAGE)
    lab(page)                                                  # cat, "dog" on a paper note: the build's
    rows = stamp_live(page, "dog")
    data, vectors = stored_attack(out, "cat")
    stamped = vectors[data["words"].index("dog"), data["placements"].index("note")]
    labels = [label for label, _, _ in rows]
    build = Stored(out).texts("photo", labels) @ stamped       # (n_labels,) the build's cosines
    live = np.array([cosine for _, cosine, _ in rows])
    assert np.abs(live - build).max() <= bound + 1e-3, (live - build)  # + the float16 rounding of the stored vectors
    assert page.locator("canvas[data-testid=attack-image]").is_visible()
    assert page.locator("img#attack-image").is_hidden()
    page.select_option("[data-testid=attack-word]", "iPod")    # a word of the list: the build's stamp again
    lab(page, "iPod", "note")
    assert page.locator("img[data-testid=attack-image]").is_visible()
    watcher.check()


def test_any_word_is_stamped_live_and_a_word_the_font_lacks_is_refused(open_page):
    page, watcher = open_page(PAGE)
    lab(page)
    rows = stamp_live(page, "zebra crossing")
    assert len(rows) >= 5 and abs(sum(prob for _, _, prob in rows) - 1) < 1e-9
    page.fill("[data-testid=attack-live-word]", "café")
    page.press("[data-testid=attack-live-word]", "Enter")
    page.wait_for_selector("[data-testid=attack-figure][data-state=refused]", timeout=10000)
    assert "“é”" in page.text_content("#attack-summary")
    watcher.check()


def test_the_stamped_photo_opens_in_every_figure_with_its_occlusion_map(open_page):
    page, watcher = open_page(PAGE)
    lab(page, "dog", "note")
    page.click("[data-testid=attack-open]")                    # the build's stamp, drawn here, as the reader's photo
    page.wait_for_selector("[data-testid=attack-figure][data-state=own]", timeout=120000)
    follow(page, "occlusion.html")  # the occlusion map's page: the stamped photo kept for the tab (live/ownkept.js)
    page.locator("#saliency").scroll_into_view_if_needed()
    page.wait_for_selector("[data-testid=saliency-figure][data-state=ready][data-photo^='own:']", timeout=120000)
    values = page.eval_on_selector_all("#saliency-cells rect[data-row]", "els => els.map((e) => e.dataset.value)")
    assert len(values) == 49 and all(value != "" for value in values)
    watcher.check()
