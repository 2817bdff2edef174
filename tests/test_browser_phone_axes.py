"""On a 375 px phone the matrix and template heatmaps set their horizontal axis labels level (rotated on
desktop): read from the live Vega views' axis label items; their boxes do not overlap."""
from browser import SCREENSHOTS, chart_pixels

LABEL_ANGLES = """(name) => {
    const view = document.querySelector(`[data-chart="${name}"]`).vegaView;
    const found = [];
    const walk = (node) => {
        if (node.role === 'axis-label') for (const item of node.items) found.push({ text: String(item.text), angle: item.angle ?? 0,
                                                                                     x1: item.bounds.x1, x2: item.bounds.x2, y: item.y });
        for (const item of node.items ?? []) for (const child of item.items ?? []) walk(child);
    };
    walk(view.scenegraph().root);
    return found;
}"""


def axis_labels(page, name):
    page.locator(f"[data-chart={name}]").scroll_into_view_if_needed()
    chart_pixels(page)
    return page.evaluate(LABEL_ANGLES, name)


def test_heatmap_axis_labels_are_level_on_phones_and_rotated_on_desktop(open_page):
    for width, level in ((375, True), (1280, False)):
        page, _ = open_page(width=width)
        for name in ("matrix", "templates"):
            labels = axis_labels(page, name)
            assert labels, name
            if not level:
                assert any(label["angle"] for label in labels), name  # desktop keeps the rotated labels
                continue
            assert all(label["angle"] == 0 for label in labels), (name, labels)
            by_row = {}
            for label in sorted(labels, key=lambda label: (label["y"], label["x1"])):
                by_row.setdefault(label["y"], []).append(label)  # one axis's labels share a baseline
            for same_row in by_row.values():
                assert all(a["x2"] <= b["x1"] + 0.5 for a, b in zip(same_row, same_row[1:])), (name, same_row)
        if level:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.locator("[data-chart=templates]").screenshot(path=str(SCREENSHOTS / "templates-axis-375.png"))
