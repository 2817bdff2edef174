"""The typographic-attack lab in Chromium (issue 35): the page's probabilities for the stamped photo and the clean
one equal numpy over the stored vectors (data/attack/<photo>.json and the label files) to 1e-6 for the word and
placement the reader picks, by pointer and by keyboard; the choice is kept in the link; the lab fits 375 and 1280 px
without overflow."""
import numpy as np
import pytest
from browser import Stored
from conftest import read_snapshot
from test_attack import stored_attack

PAGE = "fools.html"  # the deep-dive page "Where CLIP fools you"


def lab(page, word=None, placement=None):
    """Scroll to the lab and wait until it shows (word, placement) with its vectors loaded; its data attributes."""
    page.locator("#attack").scroll_into_view_if_needed(timeout=10000)
    wanted = "[data-testid=attack-figure][data-state=ready][data-source=build]"
    wanted += f'[data-word="{word}"]' if word else ""
    wanted += f'[data-placement="{placement}"]' if placement else ""
    page.wait_for_selector(wanted, timeout=15000)
    return page.evaluate("""() => {
        const figure = document.querySelector('[data-testid=attack-figure]');
        const image = document.querySelector('[data-testid=attack-image]');
        return { ...figure.dataset, src: image.getAttribute('src'),
                 rows: [...figure.querySelectorAll('tbody tr')].map((tr) =>
                   [tr.dataset.label, Number(tr.dataset.prob), Number(tr.dataset.probClean)]) };
    }""")


def expected(out, photo, word, placement, labels, template="photo", tau=0.01):
    """numpy: softmax(stamped . texts / tau) and the clean photo's, from the stored float16 vectors."""
    stored = Stored(out)
    data, vectors = stored_attack(out, photo)
    stamped = vectors[data["words"].index(word), data["placements"].index(placement)]
    sims = stored.texts(template, labels) @ stamped
    probs = np.exp((sims - sims.max()) / tau)
    return probs / probs.sum(), stored.view(photo, template, labels, tau)[1]


def check_rows(out, shown, photo, word, placement, **view):
    labels = [label for label, _, _ in shown["rows"]]
    probs, clean = expected(out, photo, word, placement, labels, **view)
    assert len(labels) >= 5
    for (label, prob, prob_clean), want, want_clean in zip(shown["rows"], probs, clean, strict=True):
        assert prob == pytest.approx(want, abs=1e-6), label
        assert prob_clean == pytest.approx(want_clean, abs=1e-6), label


def test_picking_a_word_and_a_placement_recomputes_every_label(open_page, server):
    _, _, stored = server
    page, watcher = open_page(PAGE)
    shown = lab(page)
    check_rows(stored.out, shown, shown["photo"], shown["word"], shown["placement"])  # the build's first paint
    page.select_option("[data-testid=attack-word]", "iPod")
    page.select_option("[data-testid=attack-placement]", "centre")
    shown = lab(page, "iPod", "centre")
    check_rows(stored.out, shown, "cat", "iPod", "centre")
    data, _ = stored_attack(stored.out, "cat")
    assert shown["src"] == f"attack/cat-{data['words'].index('iPod')}-{data['placements'].index('centre')}.jpg"
    assert page.eval_on_selector("[data-testid=attack-image]", "img => img.complete && img.naturalWidth") > 0
    assert "attack=iPod" in page.url and "attackat=centre" in page.url  # kept in the link
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    check_rows(stored.out, lab(page, "iPod", "centre"), "cat", "iPod", "centre")
    watcher.check()


def test_a_link_opens_the_lab_on_its_photo_word_placement_and_temperature(open_page, server):
    _, _, stored = server
    page, watcher = open_page(f"{PAGE}#photo=coffee&template=bare&tau=0.1&attack=banana&attackat=corner")
    shown = lab(page, "banana", "corner")
    assert shown["photo"] == "coffee"
    temperatures = read_snapshot((stored.out / PAGE).read_text())["temperatures"]
    tau = min(temperatures, key=lambda t: abs(np.log(t / 0.1)))  # the grid's, as the page reads the link
    check_rows(stored.out, shown, "coffee", "banana", "corner", template="bare", tau=tau)
    watcher.check()


def test_a_link_with_an_unknown_word_says_so_and_shows_the_default(open_page):
    page, watcher = open_page(f"{PAGE}#attack=%3Cb%3Ez%C3%A9bra&attackat=moon")  # "é": no glyph, so not typed
    notice = page.text_content("#view-notice")
    assert "no word" in notice and "no placement" in notice and "<b>" in notice  # as text, never as HTML
    assert page.locator("#view-notice b").count() == 0
    shown = lab(page)
    assert (shown["word"], shown["placement"]) == ("dog", "note")
    watcher.check()


def test_the_lab_by_keyboard(open_page, server):
    _, _, stored = server
    page, watcher = open_page(PAGE)
    first = lab(page)
    page.focus("[data-testid=attack-word]")
    page.keyboard.press("ArrowDown")                      # the next word
    values = "options => options.map((o) => o.value)"
    words = page.eval_on_selector_all("[data-testid=attack-word] option", values)
    word = words[words.index(first["word"]) + 1]
    page.keyboard.press("Tab")                            # to the placement
    assert page.evaluate("document.activeElement.dataset.testid") == "attack-placement"
    page.keyboard.press("ArrowUp")
    places = page.eval_on_selector_all("[data-testid=attack-placement] option", values)
    placement = places[places.index(first["placement"]) - 1]
    check_rows(stored.out, lab(page, word, placement), "cat", word, placement)
    watcher.check()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_lab_fits_the_screen(open_page, width):
    page, watcher = open_page(PAGE, width=width)
    lab(page)
    sizes = page.evaluate("""() => {
        const figure = document.querySelector('#attack');
        const box = figure.getBoundingClientRect();
        const inside = [...figure.querySelectorAll('*')].map((e) => e.getBoundingClientRect())
          .filter((r) => r.width > 0);
        return { overflow: figure.scrollWidth - figure.clientWidth, page: document.documentElement.scrollWidth,
                 right: Math.max(...inside.map((r) => r.right)), box: box.right,
                 image: document.querySelector('[data-testid=attack-image]').getBoundingClientRect().width };
    }""")
    assert sizes["overflow"] <= 0 and sizes["page"] <= width, sizes
    assert sizes["right"] <= sizes["box"] + 0.5, sizes
    assert sizes["image"] > 200, sizes                    # the stamped photo is shown, at a size one can read
    watcher.check()
