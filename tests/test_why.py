"""Why this label (issue 23, items 1 and 2): the occlusion map's vectors against a direct model call on a
hand-occluded image, the map the page draws (first paint and live) against numpy over the stored vectors, and the
dot product taken apart against the label table and numpy."""
import json
import re

import numpy as np
import pytest
from browser import decode
from conftest import ROOT, site_html


def occlusion(out):
    data = json.loads((out / "data" / "occlusion.json").read_text())
    return data["grid"], {photo: decode(vectors, 512) for photo, vectors in data["photos"].items()}


def numpy_map(stored, occluded, photo, template, label, rival=None):
    """(grid * grid,) cos(image, text) - cos(occluded cell, text), the rival's subtracted when given."""
    image, cells = stored.images[stored.photo_ids.index(photo)], occluded[photo]
    def drop(name):
        text = stored.texts(template, [name])[0]
        return image @ text - cells @ text
    return drop(label) - (drop(rival) if rival else 0)


def page_cells(page):
    """{(row, col): value} of the saliency figure's cells."""
    cells = page.eval_on_selector_all("[data-testid=saliency-figure] [data-row]", "els => els.map(e => "
                                      "[+e.dataset.row, +e.dataset.col, +e.dataset.value])")
    return {(row, col): value for row, col, value in cells}


def test_occluded_vectors_equal_a_direct_model_call_on_a_hand_occluded_image(site, stand_in):
    import torch
    from transformers import CLIPImageProcessorPil, CLIPModel

    from explainer.content import read_content

    out, report = site
    grid, occluded = occlusion(out)
    assert grid == 224 // 32 == 7  # read from the config: image_size / patch_size
    photos = read_content(ROOT / "content", ROOT / "photos").photos
    photo = next(p for p in photos if p.id == "coffee")
    processor = CLIPImageProcessorPil.from_pretrained(stand_in.folder)
    model = CLIPModel.from_pretrained(stand_in.folder).eval()
    pixels = processor(images=[photo.image], return_tensors="pt")["pixel_values"]  # (1, 3, 224, 224)
    mean, std = torch.tensor(processor.image_mean), torch.tensor(processor.image_std)
    grey = ((mean - torch.tensor(processor.image_mean)) / std)[:, None, None]       # the mean colour, normalised
    cells = [(0, 2), (3, 3), (6, 0), (5, 6)]
    batch = pixels.repeat(len(cells), 1, 1, 1)
    for i, (row, col) in enumerate(cells):  # row 0 at the top of the square
        batch[i, :, row * 32:(row + 1) * 32, col * 32:(col + 1) * 32] = grey
    with torch.inference_mode():
        features = model.get_image_features(pixel_values=batch)
    direct = getattr(features, "pooler_output", features).numpy().astype(np.float64)
    direct /= np.linalg.norm(direct, axis=1, keepdims=True)
    stored = occluded["coffee"] / np.linalg.norm(occluded["coffee"], axis=1, keepdims=True)  # (49, 512)
    for (row, col), vector in zip(cells, direct, strict=True):
        cosines = stored @ vector
        assert cosines[row * grid + col] > 0.99999
        assert int(np.argmax(cosines)) == row * grid + col  # not the transposed cell, nor a neighbour


def test_the_first_paint_draws_the_default_map_as_numpy_computes_it(site):
    from browser import Stored
    out, _ = site
    stored = Stored(out)
    _, occluded = occlusion(out)
    html = site_html(out)  # the occlusion map and the dot figure are on deep-dive pages
    figure = re.search(r'<figure class="saliency"[^>]*>', html)[0]
    label = re.search(r'data-label="([^"]*)"', figure)[1]
    own = html.split('<figure class="saliency"')[1].split("</figure>")[0]  # not the rival figure's map
    cells = [(int(r), int(c), float(v)) for r, c, v in
             re.findall(r'data-row="(\d+)" data-col="(\d+)" data-value="([-\d.e]+)"', own)]
    assert len(cells) == 49
    expected = numpy_map(stored, occluded, "cat", "photo", label)
    for row, col, value in cells:
        assert value == pytest.approx(expected[row * 7 + col], abs=1e-4)
    dot = re.search(r'<figure class="dot"[^>]*>', html)[0]
    cosine = stored.texts("photo", [label])[0] @ stored.images[0]
    assert float(re.search(r'data-cosine="([^"]*)"', dot)[1]) == pytest.approx(cosine, abs=1e-6)


def test_the_page_maps_any_vocabulary_label_and_the_difference_of_two(open_page, server):
    page, _ = open_page("occlusion.html#photo=rocket&template=itap&label=cat&label=rocket&label=violin")
    stored = server[2]
    _, occluded = occlusion(stored.out)
    page.locator("#saliency").scroll_into_view_if_needed()
    figure = "[data-testid=saliency-figure]"
    page.wait_for_selector(f"{figure}[data-state=ready]", timeout=15000)
    page.select_option("#saliency-label", "violin")  # not a default label: from its own file
    page.wait_for_selector(f"{figure}[data-label=violin][data-state=ready]")
    cells = page_cells(page)
    assert sorted(cells) == [(r, c) for r in range(7) for c in range(7)]
    expected = numpy_map(stored, occluded, "rocket", "itap", "violin")
    for (row, col), value in cells.items():
        assert value == pytest.approx(expected[row * 7 + col], abs=1e-4)
    page.select_option("#saliency-rival", "cat")
    page.wait_for_selector(f"{figure}[data-rival=cat]")
    expected = numpy_map(stored, occluded, "rocket", "itap", "violin", "cat")
    for (row, col), value in page_cells(page).items():
        assert value == pytest.approx(expected[row * 7 + col], abs=1e-4)
    assert not np.allclose(list(page_cells(page).values()), list(cells.values()), atol=1e-6)
    # a label added afterwards (on this deep page: from a link) gets its map at once; the photo follows the bar
    page, _ = open_page("occlusion.html#photo=rocket&template=itap&label=cat&label=rocket&label=violin"
                        "&label=tabby+cat")
    page.locator("#saliency").scroll_into_view_if_needed()  # a figure far away waits (nearby.js)
    page.select_option("#saliency-rival", "")
    page.select_option("#saliency-label", "tabby cat")
    page.select_option("#bar-photo", "coins")
    page.locator("#saliency").scroll_into_view_if_needed()
    page.wait_for_selector(f"{figure}[data-label='tabby cat'][data-photo=coins][data-rival='']")
    expected = numpy_map(stored, occluded, "coins", "itap", "tabby cat")
    for (row, col), value in page_cells(page).items():
        assert value == pytest.approx(expected[row * 7 + col], abs=1e-4)


def test_the_dot_product_taken_apart_ends_at_the_label_tables_cosine(open_page, server):
    page, _ = open_page("vectors.html#photo=astronaut&template=ensemble&label=cat&label=astronaut&label=violin")
    stored = server[2]
    page.locator("#dot").scroll_into_view_if_needed()
    figure = page.locator("[data-testid=dot-figure]")
    for label in ("astronaut", "violin"):
        page.select_option("#dot-label", label)
        page.wait_for_selector(f"[data-testid=dot-figure][data-label={label}]")
        cosine = float(figure.get_attribute("data-cosine"))
        image = stored.images[stored.photo_ids.index("astronaut")]
        table = float(image @ stored.texts("ensemble", [label])[0])  # the core article's label table's cosine
        assert cosine == pytest.approx(table, abs=1e-6)
        products = np.sort(image * stored.texts("ensemble", [label])[0])[::-1 if cosine >= 0 else 1]
        assert cosine == pytest.approx(products.sum(), abs=1e-6)
        sums = np.cumsum(products)
        half = int(np.argmax(np.sign(cosine) * sums >= abs(cosine) / 2)) + 1
        assert int(figure.get_attribute("data-half")) == half
        assert f"The {half} largest carry half" in page.text_content("#dot-summary")
    # focusing the figure and pressing a key marks one dimension in both vectors
    page.focus("#dot-chart")
    page.keyboard.press("End")
    marked = page.get_attribute("#dot-chart", "data-marked")
    xs = [page.get_attribute(f"#dot-{name} .dot-mark", "x") for name in ("image", "text", "product")]
    assert xs[0] == xs[1] == marked and xs[2] == "511"
    assert f"dimension {marked}:" in page.text_content("#dot-readout")


def test_the_rules_and_the_state_in_node():
    import subprocess
    result = subprocess.run(["node", "--test", str(ROOT / "tests" / "why_in_node.mjs")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"^# pass 4$", result.stdout, re.M) and re.search(r"^# fail 0", result.stdout, re.M)


@pytest.mark.parametrize("width", [375, 1280])
def test_both_figures_fit_the_screen(open_page, width, tmp_path):
    for name, widget in (("occlusion.html", "#saliency"), ("vectors.html", "#dot")):  # their deep-dive pages
        page, _ = open_page(name, width=width, height=812)
        page.locator(widget).scroll_into_view_if_needed()
        if widget == "#saliency":
            page.wait_for_selector("[data-testid=saliency-figure][data-state=ready]", timeout=15000)
        box = page.locator(widget).bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= width, (widget, box)
        assert len(page.locator(widget).screenshot(path=tmp_path / f"{widget[1:]}-{width}.png")) > 1000
        assert page.evaluate("document.documentElement.scrollWidth") <= width
