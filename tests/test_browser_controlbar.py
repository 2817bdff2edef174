"""Issue 24, items 1 and 5, in Chromium: the control bar (data-testid="control-bar") travels with the reader
(sticky at the top at 1280 px, at the bottom on a 375 px phone, where it opens and closes from the keyboard),
drives the same store as the full controls (the full control and the URL show its changes), its chips remove
labels; a label hovered or focused anywhere is highlighted in the matrix, the template heatmap and the gap
figure (their Vega signal and the opacity of their marks, and their tables' rows); nothing is wider than the
screen and nothing moves at load (CLS 0, from PerformanceObserver('layout-shift'))."""
from urllib.parse import parse_qs

import pytest
from browser import SCREENSHOTS, check_numbers, show_chart

PHONE, WIDE = 375, 1280
FAR = ["#tokens", "#predictions"]  # the core article's figures furthest from the full controls
SPACE = "space.html"  # a deep-dive page with two charts that highlight a label (the matrix and the gap)

CLS_RECORDER = """
window.__shifts = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__shifts.push(e.value); })
  .observe({ type: 'layout-shift', buffered: true });
"""


def bar_box(page):
    return page.evaluate("""() => {
        const r = document.querySelector('[data-testid=control-bar]').getBoundingClientRect();
        return { top: r.top, bottom: r.bottom, height: r.height, innerHeight, visible: r.height > 0 };
    }""")


def url_view(page):
    return parse_qs(page.evaluate("location.hash").lstrip("#"))


def test_the_bar_stays_at_the_top_of_a_wide_screen(open_page):
    page, _ = open_page(width=WIDE)
    bar = page.get_by_test_id("control-bar")
    assert bar.get_attribute("role") == "region" and bar.get_attribute("aria-label")
    assert bar.is_visible()
    for figure in FAR:
        page.locator(figure).scroll_into_view_if_needed()
        page.wait_for_function("() => scrollY > 2000")
        box = bar_box(page)
        assert box["top"] == pytest.approx(0, abs=1) and 40 <= box["height"] <= 130, (figure, box)
        assert page.locator("#bar-template").is_visible() and page.locator("#bar-tau").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "control-bar-1280.png"))


def test_the_bar_sits_at_the_bottom_of_a_phone_and_opens_from_the_keyboard(open_page):
    page, _ = open_page(width=PHONE, height=740)
    toggle = page.locator("#bar-toggle")
    assert toggle.get_attribute("aria-expanded") == "false" and not page.locator("#bar-template").is_visible()
    for figure in FAR:
        page.locator(figure).scroll_into_view_if_needed()
        box = bar_box(page)
        assert box["bottom"] == pytest.approx(740, abs=1) and box["height"] <= 70, (figure, box)
    # the keyboard reaches the toggle (Tab), Enter opens the bar, Space closes it
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "bar-toggle":
            break
    assert page.evaluate("document.activeElement.id") == "bar-toggle"
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("#bar-template").is_visible() and page.locator("#bar-chips").is_visible()
    box = bar_box(page)
    assert box["bottom"] == pytest.approx(740, abs=1) and 60 < box["height"] <= 0.12 * 740  # two rows (issue 32)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "control-bar-375-open.png"))
    page.keyboard.press("Tab")  # into the open bar: its first control
    assert page.evaluate("document.activeElement.id") == "bar-photo"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press(" ")
    assert toggle.get_attribute("aria-expanded") == "false" and not page.locator("#bar-template").is_visible()


def test_the_bar_drives_the_same_state_as_the_full_controls(open_page, server):
    _, _, stored = server
    page, _ = open_page(width=WIDE)
    page.locator(FAR[0]).scroll_into_view_if_needed()  # far from the full controls
    page.select_option("#bar-template", "itap")
    assert page.locator("#template-select").input_value() == "itap"
    assert url_view(page)["template"] == ["itap"]
    tau_index = int(page.locator("#tau-slider").input_value())
    page.focus("#bar-tau")
    page.keyboard.press("ArrowRight")
    assert int(page.locator("#tau-slider").input_value()) == tau_index + 1
    temperatures = stored.embeddings["temperatures"]
    assert float(url_view(page)["tau"][0]) == pytest.approx(temperatures[tau_index + 1])
    assert page.locator("#tau-value").text_content() == page.locator("#bar-tau-value").text_content()
    page.select_option("#bar-photo", "coffee")
    assert page.locator("input[name=photo]:checked").get_attribute("value") == "coffee"
    assert page.locator("#photo-title").text_content() == page.locator("#bar-photo option:checked").text_content()
    assert url_view(page)["photo"] == ["coffee"]
    check_numbers(page, stored)  # the numbers follow the bar's view
    # and the other way: the full controls move the bar
    page.select_option("#template-select", "blurry")
    assert page.locator("#bar-template").input_value() == "blurry"
    page.locator("input[name=photo][value=cat]").check(force=True)
    assert page.locator("#bar-photo").input_value() == "cat"
    thumbs = {photo["id"]: photo["thumb"] for photo in stored.embeddings["photos"]}
    assert page.locator("#bar-thumb").get_attribute("src") == thumbs["cat"]


def test_a_chip_removes_its_label(open_page):
    page, _ = open_page(width=WIDE)
    labels = page.eval_on_selector_all("#bar-chips li", "els => els.map(e => e.dataset.label)")
    rows = page.eval_on_selector_all("#label-rows tr", "els => els.map(e => e.dataset.label)")
    assert labels == rows and len(labels) >= 3
    gone = labels[1]
    page.get_by_role("button", name=f"Remove the label {gone}").wait_for()
    page.locator(f'#bar-chips li[data-label="{gone}"] button').click()
    page.wait_for_function("(gone) => !document.querySelector(`#label-rows tr[data-label=\"${gone}\"]`)", arg=gone)
    assert page.eval_on_selector_all("#bar-chips li", "els => els.map(e => e.dataset.label)") == \
        [label for label in labels if label != gone]
    assert gone not in url_view(page)["label"]
    # the focus stays in the chips: the next chip's button
    assert page.evaluate("document.activeElement.closest('li')?.dataset.label") == labels[2]


HIGHLIGHT = """(label) => {
    const charts = {};
    for (const name of ['matrix', 'templates', 'gap', 'sweep']) {
      const view = document.querySelector(`[data-chart="${name}"]`)?.vegaView;  // absent: on another page
      if (!view) continue;
      const opacity = {};  // the label's cells, points and lines and the others': their opacities as drawn
      const walk = (node) => {
        for (const item of node.items ?? []) {
          const d = item.datum;
          const of = d && (d.kind === 'label' && d.name !== undefined ? d.name : d.label);
          if (of !== undefined && node.role === 'mark' && ['rect', 'symbol', 'line'].includes(node.marktype)) {
            (opacity[of === label ? 'hovered' : 'others'] ??= new Set()).add(item.opacity ?? 1);
          }
          walk(item);
        }
      };
      walk(view.scenegraph().root);
      charts[name] = { signal: view.signal('hover_label'),
        hovered: [...(opacity.hovered ?? [])], others: [...(opacity.others ?? [])] };
    }
    const marked = [...document.querySelectorAll('[data-hovered]')].map((e) =>
      `${e.closest('[id]').id}:${e.dataset.label}`);
    return { charts, marked };
}"""


def highlight(page, label):
    page.wait_for_selector("body[data-charts=drawn]", timeout=10000)
    page.wait_for_timeout(100)  # the signal's run is asynchronous
    return page.evaluate(HIGHLIGHT, label)


def test_a_label_is_one_thing_across_the_page(open_page):
    page, _ = open_page(width=WIDE)  # the core article: the label table and the bar's chips
    labels = page.eval_on_selector_all("#label-rows tr", "els => els.map(e => e.dataset.label)")
    label = labels[2]
    page.locator(f'#label-rows tr[data-label="{label}"] th').hover()
    seen = highlight(page, label)
    for where in ("label-rows", "bar-chips"):
        assert f"{where}:{label}" in seen["marked"], (where, seen["marked"])
    assert {m.split(":", 1)[1] for m in seen["marked"]} == {label}
    page.locator("h1").hover()
    assert highlight(page, label)["marked"] == []

    page, _ = open_page(SPACE, width=WIDE)  # a deep-dive page: its charts and the bar's chips
    for name in ("matrix", "gap"):
        show_chart(page, name)  # each live view made, then far away again
    # focus (the keyboard) on a chip of the bar, with the matrix on screen
    page.locator("#matrix").scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # Chromium moves the pointer over what scrolled under it, after the scroll
    page.focus(f'#bar-chips li[data-label="{label}"] button')
    seen = highlight(page, label)
    for name in ("matrix", "gap"):
        chart = seen["charts"][name]
        assert chart["signal"] == label, (name, chart)
        assert chart["hovered"] == [1] and chart["others"] and max(chart["others"]) < 0.5, (name, chart)
    for where in ("bar-chips", "matrix-table", "gap-table"):
        assert f"{where}:{label}" in seen["marked"], (where, seen["marked"])
    page.focus("#bar-template")
    seen = highlight(page, label)
    assert seen["charts"]["matrix"]["signal"] == "" and set(seen["charts"]["matrix"]["others"]) == {1}
    # a chart's own mark: the pointer on the matrix's cell of a label highlights its chip in the bar
    show_chart(page, "matrix")
    point = page.evaluate("""(label) => {
        const container = document.querySelector('[data-chart="matrix"]');
        const view = container.vegaView;
        const box = container.querySelector('canvas').getBoundingClientRect();
        const [ox, oy] = view.origin();
        const x = view.scale('x')(label) + view.scale('x').bandwidth() / 2;
        const y = view.scale('y').range()[0] + view.scale('y').bandwidth() / 2;
        return [box.left + ox + x, box.top + oy + y];
    }""", labels[1])
    page.mouse.move(*point)
    page.wait_for_selector(f'#bar-chips li[data-label="{labels[1]}"][data-hovered]', state="attached")


@pytest.mark.parametrize("width", [PHONE, WIDE])
def test_no_overflow_and_no_layout_shift_at_load(server, width):
    browser, url, _ = server
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.add_init_script(CLS_RECORDER)
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
        page.wait_for_selector("body[data-charts=drawn]", timeout=10000)
        page.wait_for_timeout(500)
        assert page.evaluate("window.__shifts") == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        bar = page.evaluate("""() => { const r = document.getElementById('control-bar').getBoundingClientRect();
                                       return [r.left, r.right]; }""")
        assert bar[0] >= 0 and bar[1] <= width
    finally:
        context.close()
