"""In-page links keep the reader's view (issue 32, item 1): every kind of link the page writes, clicked with a view
that is not the default, lands at its place and leaves the view as it was; the address holds view + place
(urlstate.js: ...&at=figure-3), so Back / Forward, a reload and a copied address give both; old links still work."""
import json
import re
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from browser import check_numbers, page_view

# not the default view: another photo, template and temperature, and a label the defaults lack
VIEW = "#photo=coffee&template=itap&tau=0.0316228&label=cup+of+coffee&label=cat&label=dog&label=espresso"
VIEW_PARAMS = parse_qsl(VIEW[1:])
SEEN_LABELS = [value for key, value in VIEW_PARAMS if key == "label"]

# (what kind of link, a selector for one of them, the window's width: a phone's where the link shows there only)
LINKS = [
    ("figure reference", "main a.figure-ref[href^='#']", 1280),
    ("figure reference on a phone", "main a.figure-ref[href^='#']", 375),
    ("figure number", "main a.figure-number", 1280),
    ("step link", "main p a[href='#softmax']", 1280),
    ("overview box", "svg[data-layout=wide] a[data-node=cosine]", 1280),
    ("overview box on a phone", "svg[data-layout=narrow] a[data-node=softmax]", 375),
    ("citation", "main a.cite-link:not([tabindex='-1'])", 1280),
    ("footnote", "main a.footnote-ref", 1280),
    ("footnote's way back", "main a.footnote-backref", 375),  # wide screens show side notes, the list is hidden
]


def address(page):
    """The fragment's pairs, in order."""
    return parse_qsl(page.evaluate("location.hash").lstrip("#"), keep_blank_values=True)


def seen(page):
    view = page_view(page)
    return view["photo"], view["template"], view["tauIndex"], view["labels"]


def top_of(page, element_id):
    return page.evaluate("(id) => document.getElementById(id).getBoundingClientRect().top", element_id)


def lands_at(page, place):
    """The element is near the top of the window (below the sticky bar) and the address names it."""
    page.wait_for_function("(id) => new URLSearchParams(location.hash.slice(1)).get('at') === id", arg=place,
                           timeout=5000)
    top = top_of(page, place)
    assert -2 <= top < 250, (place, top)  # -2: sub-pixel rounding of the scroll


def click_link(page, selector):
    """Click the first such link; its place (the element its plain anchor names) is returned."""
    link = page.locator(selector).first
    href = link.get_attribute("href")
    place = re.fullmatch(r"#([\w:.-]+)", href)[1]  # the page writes plain anchors (they work without JavaScript)
    link.scroll_into_view_if_needed()
    link.click()
    return place


@pytest.mark.parametrize(("kind", "selector", "width"), LINKS, ids=[kind for kind, *_ in LINKS])
def test_an_in_page_link_keeps_the_view_and_lands_at_its_place(open_page, server, kind, selector, width):
    page, _ = open_page(VIEW, width=width)
    before = check_numbers(page, server[2])
    assert before["photo"] == "coffee" and before["template"] == "itap" and "espresso" in before["labels"]
    place = click_link(page, selector)
    lands_at(page, place)
    assert address(page) == [*VIEW_PARAMS, ("at", place)], kind  # the view as it was, then the place
    after = check_numbers(page, server[2])
    for key in ("photo", "template", "tauIndex", "labels", "sims", "probs"):
        assert after[key] == before[key], (kind, key)


def test_the_add_kitten_link_adds_to_the_readers_labels(open_page, server):
    """The myths' link (on its deep-dive page) adds its labels to the reader's and goes to the core article's
    label editor with the view."""
    page, _ = open_page("myths.html" + VIEW)
    link = page.locator("a[data-add-labels]").first
    place = re.fullmatch(r"index\.html#([\w-]+)", link.get_attribute("href"))[1]
    assert place == "label-editor"
    link.click()
    page.wait_for_url("**/index.html#*", timeout=10000)
    page.wait_for_selector("#label-rows tr[data-label='tabby cat'][data-state=ready]", timeout=15000)
    lands_at(page, place)
    view = check_numbers(page, server[2])
    assert view["labels"] == [*SEEN_LABELS, "kitten", "tabby cat"]  # added to the reader's, nothing reset
    assert (view["photo"], view["template"]) == ("coffee", "itap")
    pairs = address(page)
    assert pairs[-1] == ("at", "label-editor") and ("label", "kitten") in pairs and ("photo", "coffee") in pairs


def test_back_forward_and_reload_keep_view_and_place(open_page, server):
    page, _ = open_page(VIEW)
    stored = server[2]
    view = seen(page)
    first = click_link(page, "main a.figure-ref[href^='#']")
    lands_at(page, first)
    page.check("input[name=photo][value=astronaut]", force=True)  # a view change keeps the place in the address
    page.wait_for_function("() => location.hash.includes('photo=astronaut')", timeout=5000)
    assert address(page)[-1] == ("at", first)
    page.go_back()
    page.wait_for_function("() => location.hash.includes('photo=coffee')", timeout=5000)
    assert seen(page) == view and address(page)[-1] == ("at", first)
    page.go_back()  # the entry the page opened on: the same view, no place
    page.wait_for_function("() => !location.hash.includes('at=')", timeout=5000)
    assert seen(page) == view
    page.go_forward()
    page.wait_for_function("(id) => location.hash.endsWith(`at=${id}`)", arg=first, timeout=5000)
    assert seen(page) == view
    page.go_forward()
    page.wait_for_function("() => location.hash.includes('photo=astronaut')", timeout=5000)
    assert seen(page)[0] == "astronaut"
    page.go_back()
    page.wait_for_function("() => location.hash.includes('photo=coffee')", timeout=5000)
    page.evaluate("scrollTo(0, 0)")
    page.reload()
    lands_at(page, first)
    assert check_numbers(page, stored)["photo"] == "coffee" and seen(page) == view


@pytest.mark.parametrize("width", [1280, 375])
def test_a_copied_address_opens_the_view_at_its_place(open_page, server, width):
    page, _ = open_page(VIEW + "&at=figure-7", width=width)  # the core article's last figures
    view = check_numbers(page, server[2])
    assert (view["photo"], view["template"], view["labels"][-1]) == ("coffee", "itap", "espresso")
    assert view["notice"] == ""
    top = top_of(page, "figure-7")
    assert -2 <= top < 250, top


def test_a_link_opened_in_a_new_tab_carries_the_view(open_page):
    """Before the browser opens a link elsewhere (middle click, "open in new tab", "copy link") it reads the
    address the page gave it on pointerdown / focus: the view at the link's place."""
    page, _ = open_page(VIEW)
    link = page.locator("main a.figure-ref[href^='#']").first
    place = link.get_attribute("href")[1:]
    link.focus()
    pairs = parse_qsl(link.get_attribute("href").lstrip("#"))
    assert pairs == [*VIEW_PARAMS, ("at", place)]


def test_old_links_keep_working(open_page, server):
    fresh, _ = open_page("#figure-1")  # opened fresh: the default view at Figure 1
    view = check_numbers(fresh, server[2])
    assert (view["photo"], view["template"], view["tauIndex"], view["notice"]) == ("cat", "photo", 10, "")
    assert -2 <= top_of(fresh, "figure-1") < 250
    page, _ = open_page(VIEW)  # an old view link: the view, no place
    view = seen(page)
    assert view[0] == "coffee"
    page.evaluate("location.hash = '#figure-2'")  # a plain anchor followed in the page (typed, or not caught)
    page.wait_for_function("() => location.hash.endsWith('at=figure-2')", timeout=5000)
    assert seen(page) == view and address(page) == [*VIEW_PARAMS, ("at", "figure-2")]
    assert -2 <= top_of(page, "figure-2") < 250
    page.evaluate("location.hash = '#softmax'")  # a section's anchor
    page.wait_for_function("() => location.hash.endsWith('at=softmax')", timeout=5000)
    assert seen(page) == view
    page.go_back()
    page.wait_for_function("() => location.hash.endsWith('at=figure-2')", timeout=5000)
    assert seen(page) == view
    page.go_back()
    page.wait_for_function("() => !location.hash.includes('at=')", timeout=5000)
    assert seen(page) == view
    page.evaluate("scrollTo(0, 0)")  # a view + place address typed in the same tab: both, the page scrolls there
    page.evaluate("location.hash = '#photo=astronaut&template=photo&at=figure-5'")
    page.wait_for_function("() => document.querySelector('input[name=photo]:checked').value === 'astronaut'",
                           timeout=5000)
    assert -2 <= top_of(page, "figure-5") < 250


def test_without_javascript_the_links_are_plain_anchors_to_elements_of_the_page(site):
    out, _ = site
    html = (out / "index.html").read_text()
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    hrefs = re.findall(r'<a\b[^>]*\shref="#([^"]*)"', html)
    assert len(hrefs) > 40
    assert all(href in ids for href in hrefs), sorted(set(hrefs) - ids)


# (fragment, the place it names): urlstate.js's placeOf, in Node
PLACES = [
    ("#figure-13", "figure-13"),
    ("#photo=coffee&label=cat&at=figure-13", "figure-13"),
    ("#photo=coffee&label=cat", None),  # an old view link: no place
    ("", None),
    ("#ref-radford2021", "ref-radford2021"),
    ("#fn-two-encoders-occlusion", "fn-two-encoders-occlusion"),
    ("#at=%3Cimg%20src%3Dx%3E", None),  # not an id: never looked up
    ("#%E2%80%AEfigure-1", None),
    ("#at=" + "x" * 200, None),
]


def test_the_place_in_a_fragment_in_node():
    root = Path(__file__).resolve().parent.parent
    module = (root / "templates" / "assets" / "state" / "urlstate.js").as_uri()
    view = {"photo": "coffee", "template": "itap", "tauIndex": 1, "labels": ["cat", "a b"], "live": [], "why": {}}
    page = json.dumps({"limits": {"label_length": 64}, "model": {"context_length": 77}})  # ui/snapshot.js reads it
    script = (f"globalThis.document = {{ getElementById: () => ({{ textContent: {json.dumps(page)} }}) }};"
              f"const u = await import({json.dumps(module)});"
              f"console.log(JSON.stringify([{json.dumps([f for f, _ in PLACES])}.map((f) => u.placeOf(f)),"
              f" u.serialise({json.dumps(view)}, [0.1, 0.2], 'figure-3'), u.serialise({json.dumps(view)}, [0.1, 0.2]),"
              f" u.parse('#figure-3', {{ photos: ['cat'], templates: ['photo'], temperatures: [0.1],"
              f" defaults: {{ photo: 'cat', template: 'photo', tauIndex: 0, labels: ['cat'] }},"
              f" isLabel: () => false }}).notices]));")
    run = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    places, with_place, without, notices = json.loads(run.stdout)
    assert places == [place for _, place in PLACES]
    assert with_place == "photo=coffee&template=itap&tau=0.2&label=cat&label=a+b&at=figure-3"
    assert without == with_place.removesuffix("&at=figure-3")
    assert notices == []  # a bare place is no view: the default view, nothing to say


def test_a_link_followed_from_the_keyboard_moves_the_focus_to_its_place(open_page):
    page, _ = open_page(VIEW)
    link = page.locator("main a.figure-ref[href^='#']").first
    place = link.get_attribute("href")[1:]
    link.focus()
    page.keyboard.press("Enter")
    lands_at(page, place)
    assert page.evaluate("document.activeElement.id") == place
    assert seen(page)[0] == "coffee"
