"""The label box and the phone (issue 32, item 6): the template rule that keeps a live text's article from being
doubled (rules/sentences.js fillLive, run in Node), what the label box says before the reader types, the prelude's
examples true of the built page, and, in Chromium at 375 px, the open control bar's share of the screen,
nothing in it cut without its whole text at hand, and far charts drawn before they scroll in."""
import json
import re
import subprocess

import pytest
from browser import add_label

# (template, live text, the sentence the model reads): written out by hand, not by the rule under test
FILLS = [
    ("a photo of a {label}.", "a tarantula eating sushi", "a photo of a tarantula eating sushi."),
    ("a photo of a {label}.", "tarantula eating sushi", "a photo of a tarantula eating sushi."),
    ("a photo of a {label}.", "An apple", "a photo of An apple."),
    ("a bad photo of the {label}.", "the Eiffel Tower", "a bad photo of the Eiffel Tower."),
    ("itap of a {label}.", "an old car", "itap of an old car."),
    ("a photo of the small {label}.", "a dog", "a photo of the small a dog."),  # "small" is the template's word
    ("{label}", "a tarantula", "a tarantula"),                     # read as written
    ("a photo of a {label}.", "another cat", "a photo of a another cat."),  # "another" is no article
    ("a photo of a {label}.", "a", "a photo of a a."),              # an article alone is the text
    ("a photo of a {label}.", "a $& b", "a photo of a $& b."),       # no replace() patterns
    ("a {label} or a {label}", "the cat", "the cat or a the cat"),   # only the article just before the first
]


def node_fill(site, cases):
    module = (site[0] / "assets" / "rules" / "sentences.js").as_uri()
    script = (f"const {{ fillLive }} = await import({json.dumps(module)});"
              f"console.log(JSON.stringify({json.dumps(cases)}.map(([t, x]) => fillLive(t, x))));")
    run = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_a_live_texts_article_is_not_doubled_by_the_template(site):
    found = node_fill(site, [[t, x] for t, x, _ in FILLS])
    assert found == [expected for _, _, expected in FILLS]


def test_live_mode_embeds_the_sentence_the_rule_fills(site):
    """livelabel.js fills every template (the ensemble's too) with the rule, not with a split/join of its own."""
    source = (site[0] / "assets" / "live" / "livelabel.js").read_text()
    assert "fillLive as fill } from '../rules/sentences.js'" in source and "split('{label}')" not in source


def prelude_text(html):
    section = re.search(r'<section id="prelude".*?</section>', html, re.S)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", section))


def test_the_prelude_says_what_works_as_written(site):
    out, _ = site
    html = (out / "index.html").read_text()
    text = prelude_text(html)
    vocabulary = json.loads((out / "data" / "label-names.json").read_text())
    names = {name.lower() for name in (vocabulary["names"] if isinstance(vocabulary, dict) else vocabulary)}
    examples = re.findall(r"“([^”]+)”", text)
    assert "a tarantula eating sushi" in examples and "tarantula" in examples
    for example in examples:
        # a vocabulary example, or one a sentence that names it says needs live mode
        sentences = [s for s in re.split(r"(?<=[.:])\s", text) if f"“{example}”" in s]
        assert example.lower() in names or any("live mode" in s for s in sentences), (example, sentences)
    assert "there is no model to download" not in text
    assert re.search(r"downloads no model.*Live mode is the one exception.*downloads the text encoder", text)


def test_the_label_box_says_what_it_can_do_before_typing(open_page, server):
    page, _ = open_page()
    hint = page.text_content("[data-testid=label-box-hint]")
    names = json.loads((server[2].out / "data" / "label-names.json").read_text())
    count = len(names["names"] if isinstance(names, dict) else names)
    assert f"any of the {count:,} labels" in hint
    live = page.evaluate("JSON.parse(document.getElementById('snapshot').textContent).live")
    assert live and f"{live['text_bytes'] / 1e6:.1f} MB download" in hint and "one click" in hint
    assert "add-label-hint" in page.get_attribute("#add-label-input", "aria-describedby")
    add_label(page, "tarantula")  # the prelude's vocabulary example works as written
    page.wait_for_selector("#label-rows tr[data-label=tarantula][data-state=ready]", timeout=15000)
    add_label(page, "a tarantula eating sushi")  # and the phrase is offered live mode, with its size
    page.wait_for_function("() => document.getElementById('add-label-status').textContent.includes('live mode')",
                           timeout=15000)
    assert f"{live['text_bytes'] / 1e6:.1f} MB" in page.text_content("#add-label-status")


@pytest.mark.parametrize("height", [667, 812])
def test_the_open_control_bar_on_a_phone(open_page, height):
    page, _ = open_page(width=375, height=height)
    page.click("#bar-toggle")
    page.wait_for_selector("#control-bar.is-open")
    bar = page.evaluate("document.getElementById('control-bar').getBoundingClientRect().height")
    assert bar / height <= 0.12, (bar, height)
    for control in ("#bar-photo", "#bar-template", "#bar-tau", "#bar-chips", "#bar-toggle"):
        box = page.locator(control).bounding_box()
        assert box and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= 375.5, (control, box)
    # a select too narrow for its text carries it whole in its title (its own list shows it too)
    for select in ("#bar-photo", "#bar-template"):
        cut, title, chosen = page.evaluate("""(s) => { const el = document.querySelector(s);
          return [el.scrollWidth > el.clientWidth, el.title, el.selectedOptions[0].textContent]; }""", select)
        assert title == chosen, (select, title, chosen)
    page.select_option("#bar-template", "small")
    assert page.get_attribute("#bar-template", "title") == "a photo of the small {label}."
    # the labels scroll sideways: the last chip can be brought into the bar
    chips = page.locator("#bar-chips li")
    chips.last.scroll_into_view_if_needed()
    box, row = chips.last.bounding_box(), page.locator("#bar-chips").bounding_box()
    assert row["x"] - 1 <= box["x"] and box["x"] + box["width"] <= row["x"] + row["width"] + 1
    page.click("#bar-toggle")  # closed again: one line
    closed = page.evaluate("document.getElementById('control-bar').getBoundingClientRect().height")
    assert closed < bar


def test_far_charts_are_drawn_before_they_scroll_in_on_a_phone(open_page):
    """A chart well below the screen (1,000 px below its bottom edge) is drawn while still out of sight, so a fast
    flick down finds it drawn; 600 px ahead, the old margin, left empty boxes."""
    for file, name in (("index.html", "probabilities"), ("templates.html", "templates"), ("space.html", "gap")):
        page, _ = open_page(file, width=375, height=667)  # each chart on its page (issue 32 section 5)
        page.evaluate("""(name) => { const el = document.querySelector(`[data-chart="${name}"]`);
          scrollTo(0, el.getBoundingClientRect().top + scrollY - innerHeight - 1000); }""", name)
        page.wait_for_function("""(name) => { const el = document.querySelector(`[data-chart="${name}"]`);
          return el.dataset.view === 'live' && !el.closest('[data-stale]'); }""", arg=name, timeout=10000)
        top = page.evaluate("(name) => document.querySelector(`[data-chart=\"${name}\"]`)"
                            ".getBoundingClientRect().top", name)
        assert top > 667 + 900, (name, top)  # drawn, and still out of sight
