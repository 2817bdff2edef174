"""Keyboard use, accessibility (axe-core) and phone widths."""
from browser import ROOT, SCREENSHOTS, add_label, check_numbers

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def focused(page):
    return page.evaluate("""() => {
        const el = document.activeElement;
        const ring = (e) => getComputedStyle(e).outlineStyle !== 'none'
            && parseFloat(getComputedStyle(e).outlineWidth) >= 2;
        return { id: el.id, tag: el.tagName, type: el.type || '', name: el.name || '',
                 label: el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30),
                 ring: ring(el) || (el.type === 'radio' && ring(el.closest('label'))) };
    }""")


def test_every_control_is_reachable_and_operable_with_the_keyboard(open_page, server):
    page, _ = open_page()
    stored = server[2]
    seen = []
    for _ in range(120):  # bounded: the page has about 60 stops (the overview lists every page since issue 32)
        page.keyboard.press("Tab")
        info = focused(page)
        if info["tag"] == "BODY":
            break
        assert info["ring"], f"no visible focus ring on {info}"
        seen.append(info)
    kinds = {(i["tag"], i["type"] or i["id"]) for i in seen}
    for expected in [("INPUT", "radio"), ("SELECT", "select-one"), ("INPUT", "range"), ("INPUT", "text"),
                     ("BUTTON", "button"), ("BUTTON", "submit")]:
        assert expected in kinds, (expected, kinds)
    assert any(i["tag"] == "SUMMARY" for i in seen)

    page.focus("input[name=photo]:checked")
    page.keyboard.press("ArrowRight")  # radio group: arrows move the choice
    assert check_numbers(page, stored)["photo"] == "coffee"
    page.focus("#template-select")
    page.keyboard.press("ArrowDown")
    assert check_numbers(page, stored)["template"] == "blurry"
    page.focus("button[aria-label='Remove dog']")
    page.keyboard.press("Enter")
    assert "dog" not in check_numbers(page, stored)["labels"]
    page.focus("button[aria-label='Move coins up']")
    page.keyboard.press(" ")
    labels = check_numbers(page, stored)["labels"]
    assert labels.index("coins") == labels.index("photographer") - 1


def run_axe(page):
    page.route("**/__axe__.js", lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    page.add_script_tag(url="/__axe__.js")  # same origin, so the page's CSP allows it
    result = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


def test_axe_finds_no_serious_violations_before_and_after_interaction(open_page, server):
    page, _ = open_page()
    assert run_axe(page) == []
    page.check("input[name=photo][value=coins]", force=True)
    page.click("#add-label-input")
    page.keyboard.type("co")
    page.locator("#label-suggestions [role=option]").first.wait_for(timeout=10000)
    assert run_axe(page) == []
    page.keyboard.press("Escape")
    add_label(page, "kittten")
    page.locator("#add-label-status button").first.wait_for(timeout=5000)
    assert run_axe(page) == []


def test_phone_width_has_no_horizontal_scrolling_and_controls_work(open_page, server):
    page, _ = open_page(width=375, height=812)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SCREENSHOTS / "default-375.png"), full_page=True)
    page.click("label.photo-choice:has(input[value=cameraman])")
    page.click("button[aria-label='Remove pizza']")
    page.select_option("#template-select", "small")
    view = check_numbers(page, server[2])
    assert view["photo"] == "cameraman" and "pizza" not in view["labels"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
