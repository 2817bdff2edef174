"""Modality gap: no two names overlap, as drawn. The static SVG's <text> boxes are measured in Chromium; the
live chart's text items are read from the Vega view's scenegraph (their bounds, from the browser's own text
metrics), in the default view and with many labels crowded in through the URL."""
from urllib.parse import quote

from browser import chart_pixels
from conftest import ROOT, read_snapshot
from explainer import charts

SLACK = 0.5  # px: boxes that only touch do not overlap


def overlaps(boxes):
    """Pairs of [name, left, top, right, bottom] that intersect by more than SLACK."""
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[1] < b[3] - SLACK and b[1] < a[3] - SLACK and a[2] < b[4] - SLACK and b[2] < a[4] - SLACK]


STATIC_BOXES = """() => [...document.querySelectorAll('text[aria-roledescription="text mark"]')].map((t) => {
    const r = t.getBoundingClientRect();
    return [t.textContent, r.left, r.top, r.right, r.bottom];
})"""

LIVE_BOXES = """() => {
    const view = document.querySelector('[data-chart="gap"]').vegaView;
    const boxes = [];
    const walk = (node) => {
        if (node.marktype === 'text' && node.role === 'mark') {  // names, not titles
            for (const item of node.items) if (item.text) boxes.push([String(item.text), item.bounds.x1, item.bounds.y1, item.bounds.x2, item.bounds.y2]);
        }
        for (const item of node.items ?? []) for (const child of item.items ?? []) walk(child);
    };
    walk(view.scenegraph().root);
    return { boxes, width: view.width(), height: view.height(), rows: view.data('values').map((d) => ({ ...d })),
             names: view.data('values').filter((d) => d.kind !== 'vocabulary').length,
             shown: view.data('values').filter((d) => d.shown).length };
}"""


def live_boxes(page):
    page.locator("#gap-figure").scroll_into_view_if_needed()
    page.wait_for_selector("body[data-figures=loaded]", timeout=10000)
    chart_pixels(page)
    page.wait_for_timeout(200)  # the width listener may place the names once more
    chart_pixels(page)
    return page.evaluate(LIVE_BOXES)


def test_static_gap_svg_has_no_overlapping_names(server):
    browser, url, _ = server
    page = browser.new_page()
    page.goto(url + "charts/gap.svg")
    boxes = page.evaluate(STATIC_BOXES)
    page.close()
    assert len(boxes) >= 8, boxes  # photos and default labels, named
    assert not overlaps(boxes), overlaps(boxes)


def test_live_gap_chart_has_no_overlapping_names(open_page):
    for width in (1280, 375):
        page, _ = open_page(width=width)
        found = live_boxes(page)
        assert found["shown"] >= 6, found
        assert not overlaps(found["boxes"]), (width, overlaps(found["boxes"]))
        # the names were placed for the plot as drawn: the Python placer, at Vega's width, agrees
        rows = [{k: v for k, v in r.items() if k in ("kind", "name", "order", "x", "y")} for r in found["rows"]]
        python = charts.place_gap_labels(rows, found["width"], found["height"])
        assert [(r.get("shown"), r.get("label_dx"), r.get("label_dy")) for r in python] == \
            [(r.get("shown"), r.get("label_dx"), r.get("label_dy")) for r in found["rows"]]


def test_many_labels_crowded_near_the_origin_still_do_not_overlap(open_page, site):
    snapshot = read_snapshot((site[0] / "index.html").read_text())
    defaults = snapshot["default"]["labels"]
    vocabulary = [w for w in (ROOT / "content" / "vocabulary.txt").read_text().splitlines()
                  if w and not w.startswith("#") and w not in defaults]
    labels = defaults + vocabulary[:16]  # the label texts sit together, near the origin of the plane
    page, _ = open_page("#" + "&".join(f"label={quote(w)}" for w in labels))
    found = live_boxes(page)
    assert found["names"] == len(labels) + len(snapshot["photos"]), found
    assert found["boxes"] and not overlaps(found["boxes"]), overlaps(found["boxes"])
    table = page.locator("#gap-table tbody tr").count()
    assert table == found["names"]  # every point in the table, named in the chart or not
