"""Readers without JavaScript: the controls that need it are hidden, one notice says the figures show the
build's default view, and no caption promises an interaction that cannot happen."""
import re

from browser import SCREENSHOTS

# words that promise an interaction only the script can deliver
PROMISES = re.compile(r"\b(drag|click|tap|use the slider)\b", re.IGNORECASE)
CONTROLS = ["input[name=photo]", "#template-select", "#tau-slider", "#add-label-input", "input[name=matrix-measure]",
            "[data-testid=live-start]", "[data-testid=own-photo-input]"]  # live mode: script-only too


def open_without_js(server, width=1280):
    browser, url, _ = server
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("load")
    return context, page


def test_controls_are_hidden_and_one_notice_explains(server):
    context, page = open_without_js(server)
    try:
        for selector in CONTROLS:
            shown = page.locator(selector).evaluate_all("els => els.filter(e => e.getClientRects().length > 0).length")
            assert shown == 0, selector
        notices = page.locator(".no-js-notice")
        assert notices.count() == 1 and notices.first.is_visible()
        assert "default" in notices.first.inner_text()
        assert page.get_by_text("Recomputed in your browser").count() == 0 or not page.get_by_text(
            "Recomputed in your browser").is_visible()
        for caption in page.locator("figcaption").all():
            text = caption.inner_text() if caption.is_visible() else ""
            assert not PROMISES.search(text), text
        assert page.locator(".template-picker q").inner_text() == "a photo of a {label}."
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "no-js-1280.png"), full_page=False)
    finally:
        context.close()


def test_with_javascript_the_controls_show_and_the_notice_does_not(open_page):
    page, _ = open_page()
    for selector in CONTROLS[1:4]:
        assert page.locator(selector).is_visible(), selector
    assert not page.locator(".no-js-notice").is_visible()
    sweep, _ = open_page("temperature.html")  # the sweep's deep-dive page (issue 32 section 5)
    assert PROMISES.search(sweep.locator("#sweep figcaption").inner_text())
