"""The two-label figure's lesson (issue 32, section 3): the margin without axes (the photo's projection on the
difference of the two label vectors, recomputed here with numpy), and "rotate the space at random": every
per-dimension bar changes while every cosine stays what the label table says."""
import re

import numpy as np
import pytest

FIGURE = "[data-testid=rival-figure]"


def bars(page):
    """[(dimension, favours)] of the bars drawn, in order."""
    return page.eval_on_selector_all("#rival-bars g", "gs => gs.map(g => [g.dataset.dim, g.dataset.favours])")

PAGE = "vectors.html"  # the two-label figure's deep-dive page


def test_the_margin_without_axes_and_a_random_rotation(open_page, server):
    page, _ = open_page(PAGE + "#photo=coffee&label=cup%20of%20coffee&label=cat&label=pizza")
    stored = server[2]
    page.locator("#rival").scroll_into_view_if_needed()
    page.select_option("#rival-label", "cup of coffee")
    page.select_option("#rival-select", "pizza")
    page.wait_for_selector(f"{FIGURE}[data-label='cup of coffee'][data-rival=pizza][data-rotation='0']")
    image = stored.images[stored.photo_ids.index("coffee")]
    text, rival = stored.texts("photo", ["cup of coffee", "pizza"])
    difference = text - rival
    distance = np.linalg.norm(difference)
    projection = image @ difference / distance
    words = page.text_content("[data-testid=rival-projection]")
    found = re.search(r"direction from “pizza” to “cup of coffee”, ([−+][\d.]+), times the distance between the two "
                      r"label vectors, ([\d.]+): ([−+][\d.]+)\.", words)
    assert found, words
    value = lambda s: float(s.replace("−", "-"))  # noqa: E731
    assert value(found[1]) == pytest.approx(projection, abs=1e-4)
    assert value(found[2]) == pytest.approx(distance, abs=1e-4)
    assert value(found[3]) == pytest.approx(image @ text - image @ rival, abs=1e-4)
    before = bars(page)
    margin = float(page.get_attribute(FIGURE, "data-margin"))
    sims = stored.view("coffee", "photo", ["cup of coffee", "cat", "pizza"], stored.embeddings["temperatures"][0])[0]
    table = {"cup of coffee": float(sims[0]), "pizza": float(sims[2])}  # the core article's label table's cosines
    for turn in (1, 2):  # bounded: two rotations
        page.click("[data-testid=rival-rotate]")
        page.wait_for_selector(f"{FIGURE}[data-rotation='{turn}']")
        after = bars(page)
        assert after != before  # other dimensions, other bars
        before = after
        # every cosine stays: the rotated space's, the label table's and the margin
        assert float(page.get_attribute(FIGURE, "data-cos-label")) == pytest.approx(table["cup of coffee"], abs=1e-6)
        assert float(page.get_attribute(FIGURE, "data-cos-rival")) == pytest.approx(table["pizza"], abs=1e-6)
        assert float(page.get_attribute(FIGURE, "data-margin")) == margin
        summary = page.text_content("#rival-summary")
        together = re.search(r"Together: the margin, ([−+][\d.]+)\.", summary)
        assert value(together[1]) == pytest.approx(margin, abs=1e-4)  # the rotated bars still add up to it
        assert f"is still {table['cup of coffee']:.4f}"[:-1] in page.text_content("[data-testid=rival-rotation]")
    page.click("[data-testid=rival-unrotate]")
    page.wait_for_selector(f"{FIGURE}[data-rotation='0']")
    assert page.locator("[data-testid=rival-unrotate]").is_hidden()
