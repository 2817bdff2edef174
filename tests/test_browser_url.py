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
        page.keyboard.press("ArrowRight")  # three slider steps: one history entry
    assert check_numbers(page, stored)["tauIndex"] == 13
    page.go_back()
    view = check_numbers(page, stored)
    assert (view["template"], view["tauIndex"]) == ("drawing", 10)
    page.go_back()
    view = check_numbers(page, stored)
    assert (view["photo"], view["template"]) == ("astronaut", "photo")
    page.go_forward()
    assert check_numbers(page, stored)["template"] == "drawing"
