"""A word typed in the attack lab is part of the view (issue 35): kept in the link as attack=WORD&attackat=PLACEMENT,
like the build's words, so it survives a reload, Back / Forward and a link to another page and back. Opened from a
link, the lab stamps it in the page at once (no model needed) and its rows wait for live mode, as a live label's do;
with live mode on in the tab they are computed by themselves. A word the stamp cannot draw (too long, a glyph the
font lacks) gives the notice; none is ever inserted as HTML."""
import numpy as np
from test_browser_attack import PAGE
from test_browser_attack_live import stamp_live
from test_own_photo import follow

WORD = "zebra crossing"  # none of the build's words: typed, stamped and embedded by the page


def typed(page, word, state="ready", timeout=120000):
    """Wait until the lab shows the typed word (data-source=live) in this state: its dataset, rows and input."""
    page.locator("#attack").scroll_into_view_if_needed(timeout=10000)
    page.wait_for_selector(f'[data-testid=attack-figure][data-source=live][data-state={state}]'
                           f'[data-word="{word}"]', timeout=timeout)
    return page.evaluate("""() => {
        const figure = document.querySelector('[data-testid=attack-figure]');
        return { ...figure.dataset, input: document.querySelector('[data-testid=attack-live-word]').value,
                 canvas: Boolean(document.querySelector('canvas[data-testid=attack-image]:not([hidden])')),
                 rows: [...figure.querySelectorAll('tbody tr')].map((tr) =>
                   [tr.dataset.label, Number(tr.dataset.prob)]) };
    }""")


def stamped_shown(page):
    """The typed stamp's canvas, drawn in the page: its pixels are not blank."""
    page.wait_for_selector("canvas[data-testid=attack-image]:not([hidden])", timeout=30000)
    return page.evaluate("""() => { const c = document.querySelector('canvas[data-testid=attack-image]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let sum = 0; for (let i = 0; i < d.length; i += 97) sum += d[i]; return [c.width, c.height, sum]; }""")


def same_rows(a, b):
    assert [label for label, _ in a] == [label for label, _ in b] and len(a) >= 5
    assert np.allclose([p for _, p in a], [p for _, p in b], atol=1e-6)


def test_a_typed_word_survives_reload_back_forward_and_another_page(open_page):
    page, watcher = open_page(PAGE)
    page.locator("#attack").scroll_into_view_if_needed(timeout=10000)
    page.select_option("[data-testid=attack-placement]", "centre")
    first = stamp_live(page, WORD)
    assert "attack=zebra+crossing" in page.url and "attackat=centre" in page.url  # as a list's word is written
    on_cat = typed(page, WORD)
    page.reload()                                               # live mode was on in this tab: it starts by itself
    page.wait_for_selector("body[data-ready=true]")
    again = typed(page, WORD)
    assert again["input"] == WORD and again["placement"] == "centre" and again["canvas"]
    same_rows(on_cat["rows"], again["rows"])
    assert [label for label, _, _ in first] == [label for label, _ in again["rows"]]
    page.select_option("[data-testid=bar-photo]", "coffee")    # a new entry: the typed word on another photo
    on_coffee = typed(page, WORD)
    assert on_coffee["photo"] == "coffee"
    page.go_back()
    back = typed(page, WORD)
    assert back["photo"] == "cat" and back["input"] == WORD
    same_rows(on_cat["rows"], back["rows"])
    page.go_forward()
    forward = typed(page, WORD)
    assert forward["photo"] == "coffee"
    same_rows(on_coffee["rows"], forward["rows"])
    follow(page, "index.html")                                  # the core article carries the view on
    assert "attack=zebra+crossing" in page.url and "attackat=centre" in page.url
    follow(page, PAGE)
    there = typed(page, WORD)
    assert (there["photo"], there["placement"], there["input"]) == ("coffee", "centre", WORD)
    same_rows(on_coffee["rows"], there["rows"])
    watcher.check()


def test_a_link_with_a_typed_word_stamps_it_and_waits_for_live_mode(open_page):
    page, watcher = open_page(f"{PAGE}#photo=cat&attack=zebra+crossing&attackat=corner")  # a new tab: live mode off
    waiting = typed(page, WORD, state="waiting", timeout=30000)
    assert waiting["rows"] == [] and waiting["input"] == WORD and waiting["placement"] == "corner"
    assert "need live mode" in page.text_content("#attack-summary")
    width, height, ink = stamped_shown(page)                     # stamped here, with no model
    assert width >= 224 and height >= 224 and ink > 0
    assert page.locator("#view-notice").is_hidden()
    page.click("[data-testid=attack-live-stamp]")               # the offer: live mode starts, the row is computed
    shown = typed(page, WORD)
    assert len(shown["rows"]) >= 5 and abs(sum(p for _, p in shown["rows"]) - 1) < 1e-9
    page.fill("[data-testid=attack-live-word]", "café")        # refused: the view stays the typed word's
    page.press("[data-testid=attack-live-word]", "Enter")
    page.wait_for_selector("[data-testid=attack-figure][data-state=refused]", timeout=10000)
    assert "attack=zebra+crossing" in page.url
    page.fill("[data-testid=attack-live-word]", WORD)          # the same word again: its rows again
    page.press("[data-testid=attack-live-word]", "Enter")
    same_rows(shown["rows"], typed(page, WORD)["rows"])
    watcher.check()


def test_a_built_in_word_in_a_link_stays_the_builds(open_page):
    page, watcher = open_page(f"{PAGE}#attack=iPod&attackat=centre")
    page.locator("#attack").scroll_into_view_if_needed(timeout=10000)
    page.wait_for_selector('[data-testid=attack-figure][data-source=build][data-state=ready][data-word="iPod"]',
                           timeout=15000)
    assert page.locator("img[data-testid=attack-image]").is_visible()
    watcher.check()


HOSTILE = [("%3Cb%3Ez%C3%A9bra", "<b>zébra"),                   # a glyph the font lacks, around markup
           ("%E2%98%95", "☕"),
           ("a" * 200, "a" * 40)]                               # too long: the notice quotes its first 40


def test_a_word_the_stamp_cannot_draw_gives_the_notice_and_never_html(open_page):
    for raw, quoted in HOSTILE:
        page, watcher = open_page(f"{PAGE}#attack={raw}&attackat=note")
        notice = page.text_content("#view-notice")
        assert "no word" in notice and "cannot stamp" in notice and quoted in notice, notice
        assert page.locator("#view-notice *:not(p)").count() == 0   # text, never elements
        page.locator("#attack").scroll_into_view_if_needed(timeout=10000)
        page.wait_for_selector('[data-testid=attack-figure][data-source=build][data-state=ready][data-word="dog"]',
                               timeout=15000)
        watcher.check()


def test_markup_typed_or_in_a_link_is_a_word_stamped_never_html(open_page):
    """"<img src=x onerror=alert(1)>" is printable ASCII, which the stamp's font draws: the input takes it, so a link
    does too, and it is only ever text (the input's value, the summary, a data attribute) and pixels."""
    word = "<img src=x onerror=alert(1)>"
    page, watcher = open_page(f"{PAGE}#attack=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&attackat=note")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    shown = typed(page, word, state="waiting", timeout=30000)
    assert shown["input"] == word
    stamped_shown(page)
    assert word in page.text_content("#attack-summary")
    assert page.locator("img[src=x]").count() == 0 and not dialogs
    assert page.locator("#attack-summary *").count() == 0
    watcher.check()
