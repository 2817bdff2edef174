"""Horizontal axis labels on phones, in the static SVG that paints first and in the live Vega view: at 375 px the
matrix and template heatmaps set their labels level, staggered over two rows (rotated on desktop); the
template heatmap names its columns by the templates' short names, and the matrix is transposed (labels as
rows, photos as columns named by their ids), every name drawn whole. The static SVG is the one the browser
picked from the chart's <picture> (read from the file as drawn: text, transform and box), the live labels come
from the Vega view's scenegraph; both must show the same texts at the same angles."""
import re
from urllib.parse import quote

from browser import SCREENSHOTS, chart_pixels, show_chart
from conftest import ROOT, read_snapshot

from explainer.views import Views

SLACK = 0.5  # px: boxes that only touch do not overlap
HEATMAPS = ("matrix", "templates")
# the deep-dive page of each heatmap (issue 32 section 5; docs/authoring.md, "Pages")
PAGE_OF = {"matrix": "space.html", "templates": "templates.html"}

LIVE_LABELS = """(name) => {
    const view = document.querySelector(`[data-chart="${name}"]`).vegaView;
    const found = [];
    const walk = (node, orient) => {
        if (node.role === 'axis') orient = node.items[0]?.orient;
        if (node.role === 'axis-label') for (const item of node.items) found.push({
            orient, text: String(item.text), angle: item.angle ?? 0,
            box: [item.bounds.x1, item.bounds.y1, item.bounds.x2, item.bounds.y2],
            // drawn whole unless wider than its limit (Vega then cuts it and ends it with "…", as it draws it)
            whole: !(item.limit > 0)
                || vega.textMetrics.width({ ...item, limit: 0 }, String(item.text)) < item.limit });
        for (const item of node.items ?? []) for (const child of item.items ?? []) walk(child, orient);
    };
    walk(view.scenegraph().root);
    return found;
}"""

# Whether everything the live view drew (its scenegraph's bounds, placed at the view's origin) lies inside its
# canvas: staggered labels that would need more rows than the first layout gave must not fall off the bottom.
FITS_CANVAS = """(name) => {
    const container = document.querySelector(`[data-chart="${name}"]`);
    const view = container.vegaView;
    const b = view.scenegraph().root.bounds;
    const [ox, oy] = view.origin();
    const canvas = container.querySelector('canvas').getBoundingClientRect();
    return { drawn: [ox + b.x1, oy + b.y1, ox + b.x2, oy + b.y2], canvas: [canvas.width, canvas.height] };
}"""


def fits_canvas(page, name):
    found = page.evaluate(FITS_CANVAS, name)
    (x1, y1, x2, y2), (w, h) = found["drawn"], found["canvas"]
    return x1 >= -SLACK and y1 >= -SLACK and x2 <= w + SLACK and y2 <= h + SLACK, found


# The static SVG as Chromium draws it: each axis label's text, its rotation (from its transform) and its box,
# one list per axis in the spec's order (both heatmaps: bottom, then left).
STATIC_LABELS = """() => [...document.querySelectorAll('.role-axis-label')]
  .map((group) => [...group.querySelectorAll('text')].map((t) => {
    const r = t.getBoundingClientRect();
    const rotate = /rotate\\(([-\\d.]+)\\)/.exec(t.getAttribute('transform') || '');
    return { text: t.textContent, angle: rotate ? Number(rotate[1]) % 360 : 0,
             box: [r.left, r.top, r.right, r.bottom] };
}))"""


def overlapping(labels):
    boxes = [(label["text"], label["box"]) for label in labels]
    return [(a, b) for i, (a, p) in enumerate(boxes) for b, q in boxes[i + 1:]
            if p[0] < q[2] - SLACK and q[0] < p[2] - SLACK and p[1] < q[3] - SLACK and q[1] < p[3] - SLACK]


def static_labels(browser, url, width):
    """{chart: (the SVG file the page shows at this width, its axis labels as drawn)}, before any script runs."""
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    found = {}
    for name in HEATMAPS:
        page.goto(url + PAGE_OF[name])
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
    full = [f"ensemble of {snapshot['ensemble_size']}" if t["ensemble"] else t["text"] for t in templates]
    short = [t["short"] for t in templates]
    assert len(set(short)) == len(short) and short != full
    photo_ids = [photo["id"] for photo in snapshot["photos"]]
    titles = [photo["title"] for photo in snapshot["photos"]]
    default_labels = snapshot["default"]["labels"]
    for width, phone in ((375, True), (1280, False)):
        static = static_labels(browser, url, width)
        for name in HEATMAPS:
            page, _ = open_page(PAGE_OF[name], width=width)
            src, (static_bottom, static_left) = static[name]
            assert src == f"charts/{name}{'-narrow' if phone else ''}.svg", (width, src)
            drawn = static_bottom + static_left
            live = live_labels(page, name)
            bottom = [label for label in live if label["orient"] == "bottom"]
            assert bottom and len(bottom) < len(live), (name, live)
            # the static SVG shows what the live chart will: the same label texts at the same angles
            assert len(drawn) == len(live) and len(static_bottom) == len(bottom), (width, name)
            for d, label in zip(drawn, bottom + [label for label in live if label["orient"] == "left"], strict=True):
                assert same_text(d, label) and d["angle"] % 360 == label["angle"] % 360, (width, name, d, label)
            assert fits_canvas(page, name)[0], (width, name, fits_canvas(page, name))
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
                    assert all(f"{s} “{f}”" in text for s, f in zip(short, full, strict=True) if s != f), text
            if name == "matrix":  # on a phone transposed: photos as columns by their ids, labels as rows, whole
                left = [label["text"] for label in live if label["orient"] == "left"]
                expected = (photo_ids, default_labels) if phone else (default_labels, titles)
                assert ([label["text"] for label in bottom], left) == expected
                if phone:
                    assert all(label["whole"] for label in live) and not [d["text"] for d in drawn if "…" in d["text"]]
                key = page.locator("#matrix-key")
                assert key.is_visible() == phone  # which id is which photo, on phones only
                if phone:
                    text = key.text_content()
                    assert all(f"{i} “{t}”" in text for i, t in zip(photo_ids, titles, strict=True)), text
            if phone:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.locator(f"[data-chart={name}]").screenshot(path=str(SCREENSHOTS / f"{name}-axis-375.png"))


CELL_CENTRE = """([name, order]) => {  // page coordinates of the first cell of the photo with this photo_order
    const container = document.querySelector(`[data-chart="${name}"]`);
    const view = container.vegaView;
    let found = null;
    const walk = (node) => {
        if (node.role === 'mark' && node.marktype === 'rect') for (const item of node.items) {
            if (!found && item.datum?.photo_order === order) found = item;
        }
        for (const item of node.items ?? []) for (const child of item.items ?? []) walk(child);
    };
    walk(view.scenegraph().root);
    const canvas = container.querySelector('canvas').getBoundingClientRect();
    const [ox, oy] = view.origin();
    return [canvas.left + ox + found.x + found.width / 2, canvas.top + oy + found.y + found.height / 2,
            found.width, found.height];
}"""


def test_phone_matrix_many_labels_and_a_click_on_a_column(open_page, site):
    """At 375 px with a dozen labels from the URL, the transposed matrix draws every label and photo id whole,
    level and apart; a click on a photo's column selects that photo, whose column is then outlined."""
    snapshot = read_snapshot((site[0] / "index.html").read_text())
    defaults = snapshot["default"]["labels"]
    vocabulary = [w for w in (ROOT / "content" / "vocabulary.txt").read_text().splitlines()
                  if w and not w.startswith("#") and w not in defaults]
    labels = defaults + sorted(vocabulary, key=len, reverse=True)[:4]  # twelve, the four longest words among them
    pages = {}
    for name in HEATMAPS:
        page, _ = open_page(PAGE_OF[name] + "#" + "&".join(f"label={quote(w)}" for w in labels), width=375)
        pages[name] = page
        live = live_labels(page, name)
        left = [label["text"] for label in live if label["orient"] == "left"]
        assert left == labels, (name, left)
        assert all(label["whole"] and label["angle"] == 0 for label in live), (name, live)
        for orient in ("bottom", "left"):
            drawn = [label for label in live if label["orient"] == orient]
            assert not overlapping(drawn), (name, orient, overlapping(drawn))
        assert fits_canvas(page, name)[0], (name, fits_canvas(page, name))  # no staggered row cut off
        box = page.locator(f"[data-chart={name}]").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, (name, box)  # nothing wider than the screen
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in HEATMAPS:
        pages[name].locator(f"[data-chart={name}]").screenshot(
            path=str(SCREENSHOTS / f"{name}-axis-375-twelve-labels.png"))
    page = pages["matrix"]
    rocket = [photo["id"] for photo in snapshot["photos"]].index("rocket")
    show_chart(page, "matrix")
    x, y, width, height = page.evaluate(CELL_CENTRE, ["matrix", rocket])
    assert height > width / 2  # a column of cells, one per label, about as tall as wide
    page.mouse.click(x, y)
    page.wait_for_function("() => document.getElementById('bar-photo').value === 'rocket'", timeout=10000)
    show_chart(page, "matrix")
    outlined = page.evaluate("""() => { const found = [];
        const walk = (node) => {
            if (node.role === 'mark' && node.marktype === 'rect') {
                for (const item of node.items) if (item.datum?.current) found.push([item.x, item.datum.label]);
            }
            for (const item of node.items ?? []) for (const child of item.items ?? []) walk(child);
        };
        walk(document.querySelector('[data-chart="matrix"]').vegaView.scenegraph().root);
        return found; }""")
    assert len(outlined) == len(labels) and len({x for x, _ in outlined}) == 1, outlined  # one column, every label


def test_turning_a_phone_across_the_breakpoint_lays_the_heatmaps_out_again(open_page, site):
    """A chart drawn wide keeps no wide layout on a narrow screen, and back: resized across NARROW_MEDIA, the
    matrix is transposed (photo ids level, below) or not (label names rotated), and a click still selects."""
    snapshot = read_snapshot((site[0] / "index.html").read_text())
    photo_ids = [photo["id"] for photo in snapshot["photos"]]
    labels = snapshot["default"]["labels"]
    pages = {name: open_page(PAGE_OF[name], width=600)[0] for name in HEATMAPS}
    for width, bottom_names, level in ((600, labels, False), (375, photo_ids, True), (600, labels, False),
                                       (375, photo_ids, True)):
        for name in HEATMAPS:
            page = pages[name]
            page.set_viewport_size({"width": width, "height": 900})
            show_chart(page, name)
            page.wait_for_function(  # bounded: the view made again for the new width, then drawn
                """([name, level]) => { const view = document.querySelector(`[data-chart="${name}"]`).vegaView;
                    let angles = []; const walk = (node, orient) => {
                        if (node.role === 'axis') orient = node.items[0]?.orient;
                        if (node.role === 'axis-label' && orient === 'bottom') {
                            angles = node.items.map((i) => i.angle ?? 0);
                        }
                        for (const item of node.items ?? []) {
                            for (const child of item.items ?? []) walk(child, orient);
                        } };
                    walk(view.scenegraph().root);
                    return angles.length > 0 && angles.every((a) => (a === 0) === level); }""",
                arg=[name, level], timeout=10000)
            show_chart(page, name)
            live = live_labels(page, name)
            bottom = [label for label in live if label["orient"] == "bottom"]
            assert all((label["angle"] == 0) == level for label in bottom), (width, name, bottom)
            assert fits_canvas(page, name)[0], (width, name, fits_canvas(page, name))
            if name == "matrix":
                assert [label["text"] for label in bottom] == bottom_names, (width, bottom)
            if level:
                assert all(label["whole"] for label in live) and not overlapping(bottom), (width, name, bottom)
    page = pages["matrix"]
    show_chart(page, "matrix")
    x, y, _, _ = page.evaluate(CELL_CENTRE, ["matrix", photo_ids.index("coins")])
    page.mouse.click(x, y)  # the view made again still selects the photo clicked
    page.wait_for_function("() => document.getElementById('bar-photo').value === 'coins'", timeout=10000)


def test_narrow_svgs_are_phone_sized_and_listed_in_pictures(site):
    """A narrow SVG is drawn at a phone chart's width, so its 11 px text is 11 px on the phone, and the page's
    <picture> gives it (with its size) to narrow screens only."""
    out, _ = site
    html = "".join((out / PAGE_OF[name]).read_text() for name in HEATMAPS)
    with Views(out / "assets") as views:  # the constants as the page's layout.js holds them
        NARROW_MEDIA, NARROW_WIDTH = views.layout["NARROW_MEDIA"], views.layout["NARROW_WIDTH"]
    for name in HEATMAPS:
        svg = (out / "charts" / f"{name}-narrow.svg").read_text()
        assert f'width="{NARROW_WIDTH}"' in svg[:400]
        assert "rotate(" not in svg
        source = re.search(rf'<source media="([^"]+)" srcset="charts/{name}-narrow.svg" '
                           r'width="(\d+)" height="(\d+)">', html)
        assert source and source[1] == NARROW_MEDIA and int(source[2]) == NARROW_WIDTH, name
    assert sorted(p.name for p in (out / "charts").glob("*-narrow.svg")) == [f"{n}-narrow.svg" for n in HEATMAPS]
    # the narrow matrix is transposed: its columns are the photos (by id), its rows the labels
    svg = (out / "charts" / "matrix-narrow.svg").read_text()
    assert ">cameraman</text>" in svg and ">cup of coffee</text>" in svg and ">Chelsea the cat</text>" not in svg
    # the narrow-only notes show under the same media query, from the stylesheet linked with it
    assert f'<link rel="stylesheet" href="assets/narrow.css" media="{NARROW_MEDIA}">' in html
    width = NARROW_MEDIA.split(":")[1].strip(" )")  # "527px"
    assert width not in (out / "assets" / "style.css").read_text()  # one home: layout.js
