"""The occlusion map's readout (issue 32, section 3): pointing at a cell or moving to it with the keyboard says that
cell's value, with the sign the legend, the sentence and the table use (+: hiding the cell lowers the cosine), and
the value is the one numpy computes from the stored vectors."""
import json
import re

import numpy as np
import pytest
from browser import decode

FIGURE = "[data-testid=saliency-figure]"


PAGE = "occlusion.html"  # the occlusion map's deep-dive page

def expected_map(stored, photo, template, label):
    """(grid * grid,) cos(image, text) - cos(occluded cell, text), row by row."""
    data = json.loads((stored.out / "data" / "occlusion.json").read_text())
    cells = decode(data["photos"][photo], stored.dim)                       # (grid * grid, dim)
    image = stored.images[stored.photo_ids.index(photo)]
    text = stored.texts(template, [label])[0]
    return image @ text - cells @ text, data["grid"]


def readout_value(page):
    text = page.text_content("[data-testid=saliency-readout]")
    match = re.match(r"Row (\d+), column (\d+): ([−+])([\d.]+)\. Hiding it (lowers|raises) the cosine with “([^”]+)” "
                     r"by ([\d.]+)\.", text)
    assert match, text
    row, col, sign, value, verb, label, by = match.groups()
    signed = float(value) * (-1 if sign == "−" else 1)
    assert (verb == "lowers") == (signed >= 0) and by == value  # one sign convention
    return int(row) - 1, int(col) - 1, signed, label


def test_pointing_at_a_cell_and_the_arrow_keys_read_its_value(open_page, server):
    page, _ = open_page(PAGE + "#photo=coffee&label=cat&label=cup%20of%20coffee")
    stored = server[2]
    page.locator("#saliency").scroll_into_view_if_needed()
    page.select_option("#saliency-label", "cup of coffee")
    page.wait_for_selector(f"{FIGURE}[data-label='cup of coffee'][data-state=ready]", timeout=15000)
    values, grid = expected_map(stored, "coffee", "photo", "cup of coffee")
    # hover: the pointer over the cell at row 3, column 5 (1-based) reads that cell
    rect = page.locator("#saliency-cells rect[data-row='2'][data-col='4']")
    rect.hover()
    row, col, value, label = readout_value(page)
    assert (row, col, label) == (2, 4, "cup of coffee")
    assert value == pytest.approx(values[2 * grid + 4], abs=1e-4)
    assert page.get_attribute(FIGURE, "data-marked") == "2,4"
    # keyboard: focus the map, move right and down; the mark and the readout follow, clamped at the edge
    page.focus(f"{FIGURE} .saliency-stage")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    row, col, value, _ = readout_value(page)
    assert (row, col) == (3, 5) and value == pytest.approx(values[3 * grid + 5], abs=1e-4)
    for _ in range(grid + 2):  # bounded: past the right edge stays on the last column
        page.keyboard.press("ArrowRight")
    row, col, value, _ = readout_value(page)
    assert (row, col) == (3, grid - 1) and value == pytest.approx(values[3 * grid + grid - 1], abs=1e-4)
    mark = page.locator(f"{FIGURE} .saliency-mark")
    assert (mark.get_attribute("x"), mark.get_attribute("y")) == (str(grid - 1), "3")
    # the legend's ticks and the sentence share the readout's sign: the strongest cell is written as the table does
    summary = page.text_content("#saliency-summary")
    most = int(np.argmax(values))
    found = re.search(rf"row {most // grid + 1}, column {most % grid + 1} lowers the cosine with “cup of coffee” most "
                      r"\(\+([\d.]+)\)", summary)
    assert found and float(found[1]) == pytest.approx(values[most], abs=1e-4), summary
    assert page.locator("#saliency-legend-title, .saliency-tick").count() >= 3
    assert page.text_content(".saliency-tick >> nth=2").startswith("+")
