"""Hostile or malformed input, from the URL or typed, falls back with a notice and is only ever shown as
text: no script runs, no element is injected."""
from urllib.parse import quote

import pytest

from browser import add_label, check_numbers


HOSTILE = [
    ("#photo=unicorn", "No photo called"),
    ("#template=%3Cscript%3E", "No template called"),
    ("#tau=abc", "is not a temperature"),
    ("#tau=1e9", "is outside"),
    ("#tau=-1", "is not a temperature"),
    ("#label=notaword&label=cat", "not in the vocabulary"),
    ("#label=" + quote("<img src=x onerror=alert(1)>"), "not in the vocabulary"),
    ("#label=" + quote('"><script>alert(1)</script>'), "not in the vocabulary"),
    ("#label=javascript:alert(1)", "not in the vocabulary"),
    ("#label=" + "x" * 10000, "not in the vocabulary"),
    ("#label=cat&label=" + "y" * 70000, "too long"),
    ("#" + "%E0%A4%A&&&==;;" * 50, None),
]


@pytest.mark.parametrize("fragment, words", HOSTILE, ids=[str(i) for i in range(len(HOSTILE))])
def test_malformed_or_hostile_urls_fall_back_with_a_notice(open_page, server, fragment, words):
    page, watcher = open_page(fragment)
    view = check_numbers(page, server[2])
    if words:
        assert words in view["notice"]
    # a link's label outside the vocabulary is a 404 of its label file: expected, and said in the notice
    watcher.problems = [p for p in watcher.problems if not (p.startswith("HTTP 404") and "/data/labels/" in p)
                        and "status of 404" not in p]
    assert page.evaluate("document.querySelectorAll('img[src=x], #explainer script').length") == 0


@pytest.mark.parametrize("payload", ["<img src=x onerror=alert(1)>", '"><script>alert(1)</script>',
                                     "javascript:alert(1)", "x" * 10000])
def test_hostile_labels_are_refused_as_text(open_page, server, payload):
    page, _ = open_page()
    add_label(page, payload)
    page.locator("#add-label-status").get_by_text("is not in the vocabulary").wait_for(timeout=5000)
    assert page.locator("#add-label-status img, #add-label-status script").count() == 0
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    check_numbers(page, server[2])
