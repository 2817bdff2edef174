"""The label editor: type-ahead over the vocabulary's names, loaded on the first keystroke (and again after a
failed load), and labels outside the vocabulary refused with the nearest spellings."""
from browser import add_label, check_numbers, page_view


def test_type_ahead_is_a_keyboard_listbox_ranked_by_prefix_then_substring(open_page, server):
    page, _ = open_page()
    page.click("#add-label-input")
    page.keyboard.type("cat")
    options = page.locator("#label-suggestions [role=option]")
    options.first.wait_for(timeout=10000)
    texts = options.all_text_contents()
    prefix = [t for t in texts if t.lower().startswith("cat")]
    assert texts[: len(prefix)] == prefix and prefix, texts  # prefix matches first
    assert "cat" not in texts  # already a candidate
    assert all("cat" in t.lower() for t in texts)
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#add-label-input", "aria-activedescendant") == "suggestion-0"
    assert page.get_attribute("#add-label-input", "aria-expanded") == "true"
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#label-rows tr[data-label='{texts[0]}']", timeout=5000)
    check_numbers(page, server[2])


def test_names_load_on_first_keystroke_and_survive_a_failed_load(open_page, server):
    browser, url, stored = server
    page, watcher = open_page(ready=False)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    failing = {"on": True}
    page.route("**/data/label-names.json",
               lambda route: route.abort() if failing["on"] else route.continue_())
    page.wait_for_selector("body[data-ready=true]", timeout=15000)
    page.locator("#tau-slider").focus()
    page.keyboard.press("ArrowRight")
    page.click("#add-label-input")  # focus alone fetches nothing
    page.wait_for_timeout(300)
    # nothing of the labels' (the occlusion vectors are fetched for the two-label figure, near the slider)
    assert not [r for r in requests if "/data/" in r and not r.endswith("/data/occlusion.json")]
    page.keyboard.type("k")
    page.locator("#add-label-status button", has_text="Retry").wait_for(timeout=10000)
    assert "Could not load" in page.text_content("#add-label-status")
    watcher.problems = [p for p in watcher.problems if "label-names.json" not in p and "ERR_FAILED" not in p]
    check_numbers(page, stored)  # the labels already shown keep working
    failing["on"] = False
    page.click("#add-label-status button:has-text('Retry')")
    add_label(page, "kitten")
    page.wait_for_selector("#label-rows tr[data-label=kitten][data-state=ready]", timeout=10000)
    check_numbers(page, stored)


def test_label_outside_vocabulary_is_refused_with_suggestions(open_page, server):
    page, _ = open_page()
    before = page_view(page)["labels"]
    add_label(page, "kittten")
    status = page.locator("#add-label-status")
    status.get_by_text("is not in the vocabulary").wait_for(timeout=5000)
    assert status.locator("button", has_text="kitten").count() == 1
    assert page_view(page)["labels"] == before
    status.locator("button", has_text="kitten").click()
    page.wait_for_selector("#label-rows tr[data-label=kitten]", timeout=5000)
    check_numbers(page, server[2])
