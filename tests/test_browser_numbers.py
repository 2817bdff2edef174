"""Every control updates every number on the page, and the numbers match an independent recomputation
from the stored vectors: default view, photo, template, temperature, label edits and a seeded random walk."""
import random

import pytest
from browser import add_label, chart_pixels, check_numbers, page_view


def test_default_view_numbers(open_page, server):
    page, _ = open_page()
    view = check_numbers(page, server[2])
    assert view["photo"] == "cat" and view["template"] == "photo" and view["tau"] == 0.01
    assert view["notice"] == ""


def test_photo_template_and_temperature_update_every_number_and_chart(open_page, server):
    page, _ = open_page()
    stored = server[2]
    before = chart_pixels(page)
    page.click("label.photo-choice:has(input[value=rocket])")
    check_numbers(page, stored)
    after_photo = chart_pixels(page)
    for name in ("similarities", "probabilities"):
        assert after_photo[name] != before[name], f"{name} did not change with the photo"
    assert page.locator("#current-photo").get_attribute("alt").startswith("A Falcon 9")

    page.select_option("#template-select", "ensemble")
    check_numbers(page, stored)
    assert chart_pixels(page)["similarities"] != after_photo["similarities"]
    # the two vectors' charts, on their deep-dive page, follow the photo and the template too
    vectors, _ = open_page("vectors.html")
    default = chart_pixels(vectors)
    vectors.select_option("#bar-photo", "rocket")
    after_photo = chart_pixels(vectors)
    assert after_photo["image-vector"] != default["image-vector"]
    vectors.select_option("#bar-template", "ensemble")
    assert chart_pixels(vectors)["text-vector"] != after_photo["text-vector"]

    slider = page.locator("#tau-slider")
    slider.focus()
    for key, expected in [("ArrowRight", 0.0126), ("End", 1.0), ("Home", 0.001)]:
        page.keyboard.press(key)
        view = check_numbers(page, stored)
        assert view["tau"] == pytest.approx(expected, rel=1e-3)
    assert slider.get_attribute("aria-valuetext") == "tau 0.001"


def test_seeded_random_walk_matches_python_in_20_states(open_page, server):
    page, _ = open_page()
    stored = server[2]
    rng = random.Random(20210226)
    extra = [label for label in stored.vocabulary if label.isalpha()]
    for _ in range(20):
        action = rng.choice(["photo", "template", "tau", "add", "remove", "move"])
        labels = page_view(page)["labels"]
        if action == "photo":
            page.check(f"input[name=photo][value={rng.choice(stored.photo_ids)}]", force=True)
        elif action == "template":
            page.select_option("#template-select", rng.choice(stored.template_ids))
        elif action == "tau":
            page.locator("#tau-slider").focus()
            for _ in range(rng.randint(1, 6)):
                page.keyboard.press(rng.choice(["ArrowLeft", "ArrowRight"]))
        elif action == "add":
            label = rng.choice(extra)
            add_label(page, label)
            page.wait_for_selector(f"#label-rows tr[data-label='{label}']", timeout=15000)
        elif action == "remove" and len(labels) > 1:
            page.click(f"button[aria-label='Remove {rng.choice(labels)}']")
        elif action == "move" and len(labels) > 1:
            i = rng.randrange(1, len(labels))
            page.click(f"button[aria-label='Move {labels[i]} up']")
        check_numbers(page, stored)


def test_adding_reordering_and_removing_labels(open_page, server):
    page, _ = open_page()
    stored = server[2]
    charts = chart_pixels(page)
    add_label(page, "Kitten")
    page.wait_for_selector("#label-rows tr[data-label=kitten]", timeout=15000)
    view = check_numbers(page, stored)
    assert view["labels"][-1] == "kitten"
    added = chart_pixels(page)
    assert added["similarities"] != charts["similarities"] and added["probabilities"] != charts["probabilities"]
    page.click("button[aria-label='Move kitten up']")
    assert page_view(page)["labels"][-2] == "kitten"
    assert chart_pixels(page)["similarities"] != added["similarities"]
    page.click("button[aria-label='Remove cat']")
    assert chart_pixels(page)["similarities"] != added["similarities"]  # the first label's bar is gone
    page.click("button[aria-label='Remove dog']")
    view = check_numbers(page, stored)
    assert "dog" not in view["labels"] and "cat" not in view["labels"] and len(view["labels"]) == 7
