"""The URL holds the view: a link reproduces it in a new page, and Back / Forward move through views."""
from browser import add_label, check_numbers


def test_url_reproduces_the_view_in_a_new_page(open_page, server):
    page, _ = open_page()
    page.check("input[name=photo][value=coffee]", force=True)
    page.select_option("#template-select", "itap")
    add_label(page, "espresso")
    page.wait_for_selector("#label-rows tr[data-label=espresso]", timeout=15000)
    page.click("button[aria-label='Move espresso up']")
    page.locator("#tau-slider").focus()
    page.keyboard.press("ArrowLeft")
    first = check_numbers(page, server[2])
    fragment = page.evaluate("location.hash")
    assert "photo=coffee" in fragment and "template=itap" in fragment and "label=espresso" in fragment
    second_page, _ = open_page(fragment)
    second = check_numbers(second_page, server[2])
    for key in ("labels", "sims", "probs", "photo", "template", "tauIndex", "top", "entropy"):
        assert second[key] == first[key], key


def test_back_and_forward_move_through_views(open_page, server):
    page, _ = open_page()
    stored = server[2]
    page.check("input[name=photo][value=astronaut]", force=True)
    page.select_option("#template-select", "drawing")
    page.locator("#tau-slider").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # temperature steps rewrite the current entry
    assert check_numbers(page, stored)["tauIndex"] == 13
    page.go_back()
    view = check_numbers(page, stored)
    assert (view["photo"], view["template"], view["tauIndex"]) == ("astronaut", "photo", 10)
    page.go_forward()
    view = check_numbers(page, stored)
    assert (view["template"], view["tauIndex"]) == ("drawing", 13)


def test_ten_slider_steps_then_one_back_leaves_the_previous_view(open_page, server):
    page, _ = open_page()
    stored = server[2]
    start = page.evaluate("history.length")
    page.check("input[name=photo][value=coffee]", force=True)  # one entry
    page.locator("#tau-slider").focus()
    for _ in range(10):
        page.keyboard.press("ArrowLeft")
    assert check_numbers(page, stored)["tauIndex"] == 0  # ten steps down from 10
    page.evaluate("document.getElementById('tau-slider').value = '5'")
    page.dispatch_event("#tau-slider", "input")  # a pointer drag reports input events like this
    assert check_numbers(page, stored)["tauIndex"] == 5
    assert page.evaluate("history.length") == start + 1
    assert "tau=" in page.evaluate("location.hash")
    page.go_back()
    view = check_numbers(page, stored)
    assert (view["photo"], view["tauIndex"]) == ("cat", 10)  # the default view, not the step before
