"""Horizontal axis labels on phones, in the static SVG that paints first and in the live Vega view: at 375 px the
matrix and template heatmaps set their labels level, staggered over two rows (rotated on desktop), and the
template heatmap names its columns by the templates' short names, each drawn whole. The static SVG is the
one the browser picked from the chart's <picture> (read from the file as drawn: text, transform and box), the
live labels come from the Vega view's scenegraph; both must show the same texts at the same angles. (The
matrix's label names may be cut to two columns on a phone, "…" included; the tooltip and table have them.)"""
import json
import re
from types import SimpleNamespace

from browser import SCREENSHOTS, chart_pixels
from conftest import read_snapshot
from explainer.charts import template_name

SLACK = 0.5  # px: boxes that only touch do not overlap
HEATMAPS = ("matrix", "templates")

LIVE_LABELS = """(name) => {
    const view = document.querySelector(`[data-chart="${name}"]`).vegaView;
    const found = [];
    const walk = (node, orient) => {
        if (node.role === 'axis') orient = node.items[0]?.orient;
        if (node.role === 'axis-label') for (const item of node.items) found.push({
            orient, text: String(item.text), angle: item.angle ?? 0, box: [item.bounds.x1, item.bounds.y1, item.bounds.x2, item.bounds.y2],
            // drawn whole unless wider than its limit (Vega then cuts it and ends it with "…", as it draws it)
            whole: !(item.limit > 0) || vega.textMetrics.width({ ...item, limit: 0 }, String(item.text)) < item.limit });
        for (const item of node.items ?? []) for (const child of item.items ?? []) walk(child, orient);
    };
    walk(view.scenegraph().root);
    return found;
}"""

# The static SVG as Chromium draws it: each axis label's text, its rotation (from its transform) and its box,
# one list per axis in the spec's order (both heatmaps: bottom, then left).
STATIC_LABELS = """() => [...document.querySelectorAll('.role-axis-label')].map((group) => [...group.querySelectorAll('text')].map((t) => {
    const r = t.getBoundingClientRect();
    const rotate = /rotate\\(([-\\d.]+)\\)/.exec(t.getAttribute('transform') || '');
    return { text: t.textContent, angle: rotate ? Number(rotate[1]) % 360 : 0, box: [r.left, r.top, r.right, r.bottom] };
}))"""


def overlapping(labels):
    boxes = [(label["text"], label["box"]) for label in labels]
    return [(a, b) for i, (a, p) in enumerate(boxes) for b, q in boxes[i + 1:]
            if p[0] < q[2] - SLACK and q[0] < p[2] - SLACK and p[1] < q[3] - SLACK and q[1] < p[3] - SLACK]


def static_labels(browser, url, width):
    """{chart: (the SVG file the page shows at this width, its axis labels as drawn)}, before any script runs."""
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.goto(url)
    found = {}
    for name in HEATMAPS:
        img = page.locator(f"[data-chart={name}] img.chart-static")
        img.scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=img.element_handle(), timeout=10000)
        found[name] = img.evaluate("(img) => new URL(img.currentSrc).pathname.slice(1)")
    for name, src in found.items():
        page.goto(url + src)
        found[name] = (src, page.evaluate(STATIC_LABELS))
    context.close()
    return found


def same_text(static, live):
    """The static label shows the live one's text: whole, or both cut at the same width."""
    if live["whole"]:
        return static["text"] == live["text"]
    return static["text"].endswith("…") and live["text"].startswith(static["text"][:-1])


def live_labels(page, name):
    page.locator(f"[data-chart={name}]").scroll_into_view_if_needed()
    chart_pixels(page)
    return page.evaluate(LIVE_LABELS, name)


def test_heatmap_axis_labels_static_and_live(open_page, server, site):
    browser, url, _ = server
    snapshot = read_snapshot((site[0] / "index.html").read_text())
    templates = snapshot["templates"]
    full = [template_name(SimpleNamespace(**t), snapshot["ensemble_size"]) for t in templates]
    short = [t["short"] for t in templates]
    assert len(set(short)) == len(short) and short != full
    for width, phone in ((375, True), (1280, False)):
        static = static_labels(browser, url, width)
        page, _ = open_page(width=width)
        for name in HEATMAPS:
            src, (static_bottom, static_left) = static[name]
            assert src == f"charts/{name}{'-narrow' if phone else ''}.svg", (width, src)
            drawn = static_bottom + static_left
            live = live_labels(page, name)
            bottom = [label for label in live if label["orient"] == "bottom"]
            assert bottom and len(bottom) < len(live), (name, live)
            # the static SVG shows what the live chart will: the same label texts at the same angles
            assert len(drawn) == len(live) and len(static_bottom) == len(bottom), (width, name)
            for d, label in zip(drawn, bottom + [label for label in live if label["orient"] == "left"]):
                assert same_text(d, label) and d["angle"] % 360 == label["angle"] % 360, (width, name, d, label)
            if phone:
                for labels in (drawn, bottom, [label for label in live if label["orient"] == "left"]):
                    assert all(label["angle"] == 0 for label in labels), (name, labels)  # level: no rotate()
                    assert not overlapping(labels), (name, overlapping(labels))
                rows = sorted({round(label["box"][1]) for label in bottom})
                assert len(rows) == 2 and rows[1] - rows[0] >= 12, rows  # staggered over two rows
            else:
                assert all(label["angle"] for label in bottom), name  # desktop keeps the rotated labels
            if name == "templates":  # every template named in full, the short name on a phone: no "…" stubs
                assert [label["text"] for label in bottom] == (short if phone else full), (width, bottom)
                assert all(label["whole"] for label in live) and not [d["text"] for d in drawn if "…" in d["text"]]
                key = page.locator("#templates-key")
                assert key.is_visible() == phone  # which short name is which template, on phones only
                if phone:
                    text = key.text_content()
                    assert all(f"{s} “{f}”" in text for s, f in zip(short, full) if s != f), text
        if phone:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.locator("[data-chart=templates]").screenshot(path=str(SCREENSHOTS / "templates-axis-375.png"))


def test_narrow_svgs_are_phone_sized_and_listed_in_pictures(site):
    """A narrow SVG is drawn at a phone chart's width, so its 11 px text is 11 px on the phone, and the page's
    <picture> gives it (with its size) to narrow screens only."""
    out, _ = site
    html = (out / "index.html").read_text()
    from explainer.charts import NARROW_MEDIA, NARROW_WIDTH
    for name in HEATMAPS:
        svg = (out / "charts" / f"{name}-narrow.svg").read_text()
        assert f'width="{NARROW_WIDTH}"' in svg[:400]
        assert "rotate(" not in svg
        source = re.search(rf'<source media="([^"]+)" srcset="charts/{name}-narrow.svg" width="(\d+)" height="(\d+)">', html)
        assert source and source[1] == NARROW_MEDIA and int(source[2]) == NARROW_WIDTH, name
    assert sorted(p.name for p in (out / "charts").glob("*-narrow.svg")) == [f"{n}-narrow.svg" for n in HEATMAPS]
    assert json.loads(json.dumps(NARROW_MEDIA))  # a plain string, as narrow.js holds it (test_rows_twins)
