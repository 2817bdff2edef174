"""The URL holds the view: a link reproduces it in a new page, and Back / Forward move through views."""
from browser import add_label, bar_view, check_numbers

VECTORS = "vectors.html"  # the deep-dive page of the two-label figure (issue 32 section 5)


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


def test_the_why_label_and_its_rival_are_kept_in_the_link(open_page, server):
    """The label the "why" figures explain and its rival (issue 24: a view a reader can link to) travel in the
    fragment, rewrite the current entry (no Back step of their own), and a new page opens on them; a link's why=
    that is not one of its labels is refused with a notice."""
    page, _ = open_page(VECTORS)  # the two-label figure's deep-dive page
    labels = page.eval_on_selector_all("#bar-chips li[data-label]", "chips => chips.map((c) => c.dataset.label)")
    label, rival = labels[-1], labels[-2]
    page.locator("#rival").scroll_into_view_if_needed()
    depth = page.evaluate("history.length")
    page.select_option("#rival-label", label)
    page.select_option("#rival-select", rival)
    page.wait_for_function("([l, r]) => { const p = new URLSearchParams(location.hash.slice(1));"
                           " return p.get('why') === l && p.get('rival') === r; }", arg=[label, rival], timeout=5000)
    assert page.evaluate("history.length") == depth  # rewritten, not pushed
    fragment = page.evaluate("location.hash")
    second, _ = open_page(VECTORS + fragment)
    second.locator("#rival").scroll_into_view_if_needed()
    second.wait_for_selector(f"[data-testid=rival-figure][data-label='{label}'][data-rival='{rival}']", timeout=10000)
    assert second.eval_on_selector("#rival-select", "s => s.value") == rival
    occlusion, _ = open_page("occlusion.html" + fragment)  # the same link on the occlusion map's page
    occlusion.locator("#saliency").scroll_into_view_if_needed()
    occlusion.wait_for_selector(f"[data-testid=saliency-figure][data-label='{label}'][data-rival='{rival}']",
                                timeout=10000)
    third, _ = open_page(VECTORS + "#why=no+such+label")
    assert "is not one of the labels" in third.text_content("#view-notice")
    third.locator("#rival").scroll_into_view_if_needed()
    top = bar_view(third, server[2])["top"]  # checked against site/data: the top label
    third.wait_for_selector(f"[data-testid=rival-figure][data-label='{top}']", timeout=10000)
