"""The tokens figure: every (template, label) split exactly as CLIPTokenizer splits it, on the page too,
and a label too long for 77 tokens is marked as cut."""
import json
from html.parser import HTMLParser

import pytest
from browser import Watcher, chromium, serve, show_figures, vocabulary_tokens
from conftest import read_snapshot, small_build
from transformers import CLIPTokenizer


@pytest.fixture(scope="module")
def tokenizer(stand_in):
    return CLIPTokenizer.from_pretrained(stand_in.folder)


def composed(table, template_id, index):
    exception = table["exceptions"].get(template_id, {}).get(str(index))
    parts = table["templates"][template_id]
    return [49406] + (exception or parts["before"] + table["tokens"][index] + parts["after"]) + [49407]


def test_vocabulary_tokens_compose_to_clip_tokenizer_ids(site, tokenizer):
    out, _ = site
    vocabulary = vocabulary_tokens(out)  # gathered from the per-label files
    html = (out / "index.html").read_text()
    snapshot = read_snapshot(html)
    vocabulary["templates"] = snapshot["tokens"]["templates"]  # the template parts ship with the page
    templates = {t["id"]: t["text"] for t in json.loads((out / "data" / "embeddings.json").read_text())["templates"]
                 if not t["ensemble"]}
    sample = range(0, len(vocabulary["labels"]), 37)  # every 37th label, under every template
    for template_id, text in templates.items():
        prompts = [text.replace("{label}", vocabulary["labels"][i]) for i in sample]
        expected = tokenizer(prompts)["input_ids"]
        assert [composed(vocabulary, template_id, i) for i in sample] == expected
    for i in sample:  # the pieces' text is the tokenizer's
        for token in vocabulary["tokens"][i]:
            assert vocabulary["pieces"][str(token)] == tokenizer.convert_ids_to_tokens(token)


def page_tokens(page):
    show_figures(page, 'tokens')
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#token-rows .token-line')].map(
        line => [line.dataset.label, [...line.querySelectorAll('.token')].filter(t => !t.classList.contains('cut'))
                                      .map(t => Number(t.dataset.id))]))""")


def test_page_shows_the_tokenizer_ids_for_every_label_and_template(small, tokenizer):
    content, photos, cache, out = small
    long_label = "ꙮ" * 64  # 64 characters (the label limit), about 3 byte-level tokens each: far past 77 tokens
    with open(content / "vocabulary.txt", "a") as f:
        f.write(long_label + "\n")
    labels = content / "labels.yaml"
    labels.write_text(labels.read_text() + f"  - {long_label}\n")
    small_build(small)
    with serve(out) as url, chromium() as browser:
        page = browser.new_page()
        watcher = Watcher(page, url)
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        templates = page.eval_on_selector_all("#template-select option",
                                              "els => els.map(e => [e.value, e.textContent])")
        for template_id, text in templates:
            page.select_option("#template-select", template_id)
            shown = page_tokens(page)
            for label, ids in shown.items():
                if template_id == "ensemble":
                    expected = tokenizer(label, add_special_tokens=False)["input_ids"]
                else:
                    expected = tokenizer(text.replace("{label}", label), truncation=True, max_length=77)["input_ids"]
                assert ids == expected, (template_id, label)
        page.select_option("#template-select", "photo")
        show_figures(page, 'tokens')
        note = page.locator(f".token-line[data-label='{long_label}'] .token-cut-note")
        assert "cut" in note.text_content()
        assert len(page_tokens(page)[long_label]) == 77
        # a label named like a property of every JS object is refused by the build (test_hostile_inputs.py) and, typed,
        # gets a sentence instead of a row (Vega keys its values on plain objects)
        page.fill("#add-label-input", "constructor")
        page.press("#add-label-input", "Enter")
        page.wait_for_function("() => document.getElementById('add-label-status').textContent.includes('constructor')",
                               timeout=15000)
        assert page.locator(".token-line[data-label=constructor]").count() == 0
        watcher.check()


def test_labels_that_merge_with_their_template_are_stored_whole(stand_in, tokenizer, tmp_path):
    from types import SimpleNamespace

    from explainer.cache import Cache
    from explainer.content import Template
    from explainer.tokens import token_table
    content = SimpleNamespace(
        templates=[Template("quoted", "a photo of a '{label}'."), Template("glued", "{label}s everywhere")],
        vocabulary=["cat", "mr. t.", "dog!", "4x4"])
    table = token_table(content, stand_in, Cache(tmp_path))
    for template in content.templates:
        for i, label in enumerate(content.vocabulary):
            exception = table["exceptions"].get(template.id, {}).get(str(i))
            parts = table["templates"][template.id]
            ids = exception or parts["before"] + table["labels"][i] + parts["after"]
            assert [49406] + ids + [49407] == tokenizer(template.fill(label))["input_ids"], (template.id, label)
    assert table["exceptions"]  # at least one pair really merged


class TokenLines(HTMLParser):
    """The tokens figure of a built page as it reaches a reader without JavaScript:
    {label: {'ids': [kept ids], 'cut': [cut ids], 'note': text of the cut note}}."""

    def __init__(self):
        super().__init__()
        self.lines, self.label, self.in_note = {}, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if "token-example" in classes:  # labels.yaml's token_example, under the lines: no label's line
            self.label = None
        elif "token-line" in classes:
            self.label = attrs["data-label"]
            self.lines[self.label] = {"ids": [], "cut": [], "note": ""}
        elif "token" in classes and self.label is not None:
            self.lines[self.label]["cut" if "cut" in classes else "ids"].append(int(attrs["data-id"]))
        self.in_note = "token-cut-note" in classes

    def handle_data(self, data):
        if self.in_note:
            self.lines[self.label]["note"] += data


def test_page_without_javascript_applies_the_exceptions_and_the_context_cut(small, tokenizer):
    content, photos, cache, out = small
    long_label = "ꙮ" * 64  # 64 characters (the label limit), more than 77 tokens under any template
    merged = "dog!"  # "!" and the template's "." are one token: an exception pair under "a photo of a {label}."
    with open(content / "vocabulary.txt", "a") as f:
        f.write(f"{long_label}\n{merged}\n")
    labels = content / "labels.yaml"
    labels.write_text(labels.read_text() + f"  - {long_label}\n  - \"{merged}\"\n")
    small_build(small)
    html = (out / "index.html").read_text()
    snapshot = read_snapshot(html)
    assert merged in snapshot["tokens"]["exceptions"]["photo"]  # the build stored the pair's ids
    parser = TokenLines()
    parser.feed(html[html.index('id="tokens"'):])
    lines = parser.lines
    assert snapshot["default"]["template"] == "photo"
    context = snapshot["tokens"]["context_length"]
    full = tokenizer(f"a photo of a {long_label}.")["input_ids"]
    assert len(full) > context
    assert lines[long_label]["ids"] == tokenizer(f"a photo of a {long_label}.", truncation=True,
                                                  max_length=context)["input_ids"]
    assert lines[long_label]["cut"] == full[context - 1:-1]  # the pieces beyond the context, end token kept
    assert f"cut: {len(full) - context} more tokens do not fit" in lines[long_label]["note"]
    assert lines[merged]["ids"] == tokenizer(f"a photo of a {merged}.")["input_ids"] and not lines[merged]["cut"]
    assert lines["cat"]["ids"] == tokenizer("a photo of a cat.")["input_ids"] and not lines["cat"]["note"]
