"""Inside the towers (issue 33) in Chromium, stand-in: the attention map follows the layer, head and rollout (keys
included) with the stored numbers, in the link; the lens's last layer is the probabilities figure's numbers for any
label on the page (an added one too), with the attention figure's layer marked; the text side draws the end token's
row and the causal mask; nothing overflows at 375 and 1280 px."""
import json

import numpy as np
import pytest
from browser import decode

PAGE = "towers.html"  # the deep-dive page "Inside the towers"
ATTENTION = "[data-testid=attention-figure]"
LENS = "[data-testid=lens-figure]"
TEXT = "[data-testid=text-attention-figure]"


def stored_towers(out, photo):
    data = json.loads((out / "data" / "towers" / f"{photo}.json").read_text())
    tokens = 1 + data["grid"] ** 2
    attention = decode(data["attention"], tokens).reshape(data["layers"], data["heads"], tokens)
    rollout = decode(data["rollout"], tokens)                                   # (L, T)
    return data, attention, rollout


def cells(page):
    return page.evaluate("""() => [...document.querySelectorAll('#attention-cells rect')]
        .map(r => [Number(r.dataset.row), Number(r.dataset.col), Number(r.dataset.value)])""")


def test_the_map_follows_layer_head_and_rollout(open_page, server):
    page, watcher = open_page(f"{PAGE}#photo=coffee")
    out = server[2].out
    data, attention, rollout = stored_towers(out, "coffee")
    layers, heads, grid = data["layers"], data["heads"], data["grid"]
    page.locator("#attention").scroll_into_view_if_needed()
    page.wait_for_selector(f"{ATTENTION}[data-state=ready][data-photo=coffee][data-layer='{layers}']", timeout=15000)
    got = cells(page)
    assert [(r, c) for r, c, _ in got] == [(k // grid, k % grid) for k in range(grid * grid)]
    np.testing.assert_allclose([v for *_, v in got], attention[-1].mean(axis=0)[1:], atol=1e-6)
    # the keyboard: Home goes to layer 1, Right one up; the figure, the slider and the link follow
    page.focus(f"{ATTENTION} .towers-stage")
    page.keyboard.press("Home")
    page.wait_for_selector(f"{ATTENTION}[data-layer='1']")
    np.testing.assert_allclose([v for *_, v in cells(page)], attention[0].mean(axis=0)[1:], atol=1e-6)
    assert page.input_value("#attention-layer") == "1" and "layer=1" in page.evaluate("location.hash")
    if layers > 1:
        page.keyboard.press("ArrowRight")
        page.wait_for_selector(f"{ATTENTION}[data-layer='2']")
    # one head, then the rollout (head-averaged: the head control is off and the figure says mean)
    page.select_option("#attention-head", str(heads))
    layer = int(page.get_attribute(ATTENTION, "data-layer"))
    page.wait_for_selector(f"{ATTENTION}[data-head='{heads}']")
    np.testing.assert_allclose([v for *_, v in cells(page)], attention[layer - 1, heads - 1, 1:], atol=1e-6)
    assert f"head={heads}" in page.evaluate("location.hash")
    page.check("#attention-rollout")
    page.wait_for_selector(f"{ATTENTION}[data-view=rollout][data-head=mean]")
    np.testing.assert_allclose([v for *_, v in cells(page)], rollout[layer - 1, 1:], atol=1e-6)
    assert page.is_disabled("#attention-head") and "attention=rollout" in page.evaluate("location.hash")
    # the link reopens the same view
    again, _ = open_page(f"{PAGE}{page.evaluate('location.hash')}")
    again.locator("#attention").scroll_into_view_if_needed()
    again.wait_for_selector(f"{ATTENTION}[data-state=ready][data-view=rollout][data-layer='{layer}']", timeout=15000)
    watcher.check()


def lens_at(page, layer):
    return page.evaluate("""(layer) => Object.fromEntries([...document.querySelectorAll(
        `[data-testid=lens-figure] circle[data-layer="${layer}"]`)]
        .map(c => [c.dataset.label, Number(c.dataset.prob)]))""", layer)


def test_the_lens_ends_at_the_page_probabilities_for_any_label(open_page, server):
    stored = server[2]
    added = next(w for w in ("tarantula", "kitten", "tabby cat") if w in stored.vocabulary)
    view = f"#photo=cat&template=blurry&tau=0.02&label=cat&label=dog&label={added}&layer=1"
    core, _ = open_page(f"index.html{view}")  # the label table lives in the core article; the same view's rows
    core.wait_for_selector(f"#label-rows tr[data-state=ready][data-label='{added}']", timeout=15000)
    rows = core.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#label-rows tr[data-state=ready]')]
        .map(r => [r.dataset.label, Number(r.dataset.prob)]))""")
    page, watcher = open_page(f"{PAGE}{view}")
    layers = json.loads((stored.out / "data" / "towers" / "cat.json").read_text())["layers"]
    page.locator("#lens").scroll_into_view_if_needed()
    page.wait_for_selector(f"{LENS}[data-state=ready]", timeout=15000)
    last = lens_at(page, layers)
    assert set(last) == set(rows) == {"cat", "dog", added}
    for label, prob in rows.items():
        assert last[label] == pytest.approx(prob, abs=1e-6)
    # each layer's points are a softmax: they sum to 1; one point per (layer, label)
    for layer in range(1, layers + 1):
        assert sum(lens_at(page, layer).values()) == pytest.approx(1, abs=1e-9)
    assert page.locator(f"{LENS} circle[data-layer]").count() == 3 * layers
    # the values' table, built when opened: a row per layer, the last one the probabilities as percentages
    page.click("#lens-values summary")
    page.wait_for_selector("#lens-table tbody tr", state="attached")
    table = page.evaluate("""() => [...document.querySelectorAll('#lens-table tbody tr')]
        .map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent))""")
    labels = page.evaluate("[...document.querySelectorAll('#lens-table thead th')].slice(1).map(th => th.textContent)")
    assert len(table) == layers and table[-1] == [f"{100 * rows[label]:.1f}%" for label in labels]
    # the dashed line marks the attention figure's layer (layer=1 in the link)
    first = page.get_attribute(f"{LENS} circle[data-layer='1']", "cx")
    assert float(page.get_attribute("#lens-layer", "x1")) == pytest.approx(float(first))
    watcher.check()


def test_the_text_side_draws_the_end_row_and_the_mask(open_page, server):
    page, watcher = open_page(f"{PAGE}#template=photo")
    out = server[2].out
    text = json.loads((out / "data" / "towers" / "text.json").read_text())
    page.locator("#text-attention").scroll_into_view_if_needed()
    page.select_option("#text-attention-label", "dog")
    page.wait_for_selector(f"{TEXT}[data-state=ready][data-label=dog]", timeout=15000)
    record = text["templates"]["photo"]["dog"]
    n = len(record["tokens"])
    rows = decode(record["attention"], n)                                      # (L_text, n)
    got = page.evaluate("""() => [...document.querySelectorAll('#text-attention-grid td[data-value]')]
        .map(td => [Number(td.dataset.from), Number(td.dataset.to), Number(td.dataset.value)])""")
    assert [(f, t) for f, t, _ in got] == [(n - 1, t) for t in range(n)]       # the end token's row, every token
    np.testing.assert_allclose([v for *_, v in got], rows[-1], atol=1e-6)
    assert page.locator("#text-attention-grid td.masked").count() == n * (n - 1) // 2
    page.focus("#text-attention-layer")
    page.keyboard.press("Home")
    page.wait_for_selector(f"{TEXT}[data-layer='1']")
    got = page.evaluate("""() => [...document.querySelectorAll('#text-attention-grid td[data-value]')]
        .map(td => Number(td.dataset.value))""")
    np.testing.assert_allclose(got, rows[0], atol=1e-6)
    watcher.check()


@pytest.mark.parametrize("width", [375, 1280])
def test_no_overflow(open_page, width):
    page, watcher = open_page(f"{PAGE}#photo=rocket", width=width)
    for name, figure in (("attention", ATTENTION), ("lens", LENS), ("text-attention", TEXT)):
        page.locator(f"#{name}").scroll_into_view_if_needed()
        page.wait_for_selector(f"{figure}[data-state=ready]", timeout=15000)
        wide = page.evaluate("""(id) => {
            const widget = document.getElementById(id);
            const room = widget.parentElement.getBoundingClientRect().right + 1;
            return [...widget.querySelectorAll('*')].filter(el => !el.closest('.table-scroll'))
              .filter(el => el.getBoundingClientRect().right > room).map(el => el.tagName + '#' + el.id);
        }""", name)
        assert not wide, (name, wide)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    watcher.check()
