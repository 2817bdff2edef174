"""A reader's hostile labels in Chromium (issue 30): invisible and control characters leave a label from a link,
a label with nothing visible left or named like an object member is left out with a notice, and typing such a
name says why; the page's numbers stay right."""
from urllib.parse import quote

import pytest
from browser import add_label, check_numbers


def page_labels(page):
    return page.evaluate("[...document.querySelectorAll('#label-rows [data-label]')].map((r) => r.dataset.label)")


def test_a_right_to_left_override_or_zero_width_space_leaves_a_link_label(open_page, server):
    page, _ = open_page("#label=" + quote("\u202edog") + "&label=" + quote("c\u200bat"))
    check_numbers(page, server[2])
    assert page_labels(page) == ["dog", "cat"]
    rows = page.text_content("#label-rows")
    assert not any(c in rows for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b")


@pytest.mark.parametrize("junk", ["%00", "%00%00%00", quote("\u202e\u2066"), "%07%1F", "constructor", "__proto__"])
def test_a_link_label_with_nothing_visible_or_an_object_name_is_left_out_with_a_notice(open_page, server, junk):
    page, _ = open_page(f"#label={junk}&label=dog&live={junk}")
    check_numbers(page, server[2])
    assert page_labels(page) == ["dog"]
    assert "were left out" in page.text_content("#view-notice")


@pytest.mark.parametrize("name", ["constructor", "__proto__", "toString"])
def test_typing_an_object_name_says_why_it_is_not_added(open_page, server, name):
    page, _ = open_page()
    before = page_labels(page)
    add_label(page, name)
    page.locator("#add-label-status").get_by_text("a name the charts cannot show").wait_for(timeout=5000)
    assert page_labels(page) == before
    check_numbers(page, server[2])
