"""Adding labels costs kilobytes and never makes the page wait: each added label fetches its own file
(data/labels/<sha256-16>.json, its vectors under every template), the names load on the first keystroke,
a label on its way is a pending row left out of every number, and every widget agrees with an independent
numpy recomputation from the label files under every template."""
import numpy as np
from browser import Wire, add_label, check_numbers, page_view, show_figures

KB = 1000
TEN = ["kitten", "tabby cat", "puppy", "espresso", "teapot", "zebra", "tiger", "lion", "goldfish", "banana"]


def wait_ready(page, label):
    page.wait_for_selector(f"#label-rows tr[data-label='{label}'][data-state=ready]", timeout=15000)


def test_bytes_on_the_wire_focus_typing_adding_and_switching(open_page, server):
    browser, url, stored = server
    page, _ = open_page()
    # the charts near the label box hydrate (and load the Vega runtime) when it scrolls in: that is the
    # charts' cost, not the label box's, so it is paid before the wire is watched
    page.locator("#add-label-input").scroll_into_view_if_needed()
    page.wait_for_selector("body[data-charts=drawn]", timeout=10000)
    page.wait_for_load_state("networkidle")
    wire = Wire(page, stored.out)
    page.click("#add-label-input")
    page.wait_for_timeout(500)
    assert [p for p in wire.take() if not p.endswith("favicon.svg")] == []  # focus: nothing
    page.keyboard.type("kit")
    page.locator("#label-suggestions [role=option]").first.wait_for(timeout=10000)
    typed = [p for p in wire.take() if "/data/" in p]
    assert typed == ["/data/label-names.json"], typed  # typing: the names only (and the combobox's code)
    add_label(page, "kitten")
    wait_ready(page, "kitten")
    one = [p for p in wire.take() if "/data/" in p]
    assert len(one) == 1 and one[0].startswith("/data/labels/") and wire.gzip(one) <= 12 * KB, one
    for label in TEN[1:]:
        add_label(page, label)
    for label in TEN[1:]:
        wait_ready(page, label)
    ten = [p for p in wire.take() if "/data/" in p] + one
    assert len(ten) == 10 and all(p.startswith("/data/labels/") for p in ten) and wire.gzip(ten) <= 100 * KB
    for template in stored.template_ids:  # every template's vectors came with the label files
        page.select_option("#template-select", template)
        check_numbers(page, stored)
    assert [p for p in wire.take() if not p.endswith("favicon.svg")] == []


def test_a_slow_label_is_a_pending_row_and_the_page_does_not_wait(open_page, server):
    browser, url, stored = server
    page, _ = open_page()
    page.route("**/data/labels/*.json", lambda route: (page.wait_for_timeout(3000), route.continue_()))
    add_label(page, "kitten")
    row = page.locator("#label-rows tr[data-label=kitten]")
    row.wait_for(timeout=5000)
    assert row.get_attribute("data-state") == "pending" and "loading" in row.text_content()
    assert page.text_content("#add-label-status").startswith("Adding “kitten”")
    # while it loads, a photo click and slider steps update every number in the same task
    page.check("input[name=photo][value=rocket]", force=True)
    page.locator("#tau-slider").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert row.get_attribute("data-state") == "pending"
    view = page.evaluate("""() => ({ photo: document.querySelector('input[name=photo]:checked').value,
        labels: [...document.querySelectorAll('#label-rows tr[data-state=ready]')].map(r => r.dataset.label),
        probs: [...document.querySelectorAll('#label-rows tr[data-state=ready]')].map(r => Number(r.dataset.prob)),
        tau: Number(document.getElementById('tau-slider').value) })""")
    assert view["photo"] == "rocket" and "kitten" not in view["labels"]
    _, probs, _ = stored.view("rocket", "photo", view["labels"], stored.embeddings["temperatures"][view["tau"]])
    np.testing.assert_allclose(view["probs"], probs, atol=1e-6)
    wait_ready(page, "kitten")
    assert page.text_content("#add-label-status").startswith("Added “kitten”")
    check_numbers(page, stored)


def test_a_failed_label_has_retry_and_a_pending_one_can_be_removed(open_page, server):
    browser, url, stored = server
    page, watcher = open_page()
    mode = {"fail": True}
    held = []
    page.route("**/data/labels/*.json",
               lambda route: route.abort() if mode["fail"] else held.append(route))
    add_label(page, "kitten")
    page.wait_for_selector("#label-rows tr[data-label=kitten][data-state=failed]", timeout=10000)
    watcher.problems = [p for p in watcher.problems if "/data/labels/" not in p and "ERR_FAILED" not in p]
    check_numbers(page, stored)  # the rest of the page keeps working
    mode["fail"] = False
    page.click("#label-rows tr[data-label=kitten] button:has-text('Retry')")
    page.wait_for_selector("#label-rows tr[data-label=kitten][data-state=pending]", timeout=5000)
    page.wait_for_function("() => true")
    assert len(held) == 1
    page.click("#label-rows tr[data-label=kitten] button[aria-label='Remove kitten']")
    assert page.locator("#label-rows tr[data-label=kitten]").count() == 0
    held[0].continue_()  # the answer of an aborted fetch changes nothing
    page.wait_for_timeout(500)
    assert page.locator("#label-rows tr[data-label=kitten]").count() == 0
    assert "kitten" not in page.evaluate("location.hash")
    check_numbers(page, stored)


def test_a_link_with_ten_labels_fetches_them_in_parallel_and_drops_a_missing_one(open_page, server):
    """The names file first, then the ten labels' files at once; the label the vocabulary does not have is
    left out with the notice without asking for its file: no 404, no console message of any kind."""
    browser, url, stored = server
    started, finished, data, responses, console = [], [], [], [], []
    page, watcher = open_page(ready=False)
    page.on("request", lambda r: "/data/labels/" in r.url and started.append(len(finished)))
    page.on("request", lambda r: "/data/" in r.url and data.append(r.url.split("/data/")[1]))
    page.on("requestfinished", lambda r: "/data/labels/" in r.url and finished.append(r.url))
    page.on("response", lambda r: responses.append((r.status, r.url)))
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    from urllib.parse import urlencode
    page.goto(url + "#" + urlencode([("label", label) for label in TEN + ["not a vocabulary word"]]))
    page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
    assert len(started) == 10 and max(started) < 10  # all asked for before the last one landed
    assert data.index("label-names.json") < min(i for i, path in enumerate(data) if path.startswith("labels/"))
    assert [r for r in responses if r[0] >= 400] == [] and console == [], (responses, console)
    assert "1 label in the link is not in the vocabulary" in page.text_content("#view-notice")
    assert page_view(page)["labels"] == TEN
    check_numbers(page, stored)


# the deep-dive pages of the figures below, and what each shows (issue 32 section 5; docs/authoring.md, "Pages")
FIGURE_PAGES = {"space.html": ["matrix"], "templates.html": ["templates"], "temperature.html": ["sweep"],
                "myths.html": ["crowding"]}
WIDGETS = """() => {
  const rows = [...document.querySelectorAll('#templates-table tbody tr')];
  const text = (id) => document.getElementById(id)?.textContent;
  return {
    matrixHead: [...document.querySelectorAll('#matrix-table thead th')].slice(1).map(th => th.textContent),
    matrix: [...document.querySelectorAll('#matrix-table tbody tr')]
      .map(tr => [...tr.querySelectorAll('td')].map(td => Number(td.dataset.value))),
    templates: rows.map(tr => [...tr.querySelectorAll('td')].map(td => Number(td.dataset.value))),
    templateLabels: rows.map(tr => tr.querySelector('th').textContent),
    sweep: text('sweep-summary'), crowding: text('crowding-summary'),
    crowdingState: document.getElementById('crowding-summary')?.dataset.state,
    crowdingTops: [...document.querySelectorAll('#crowding-table tbody tr')].map(tr => Number(tr.dataset.top)),
  };
}"""


def widgets(open_page, address):
    """Every number the deep-dive pages show for the view of an address, read from their DOM."""
    shown = {}
    for name, figures in FIGURE_PAGES.items():
        page, _ = open_page(name + address)
        if "crowding" in figures:
            page.locator("#crowding").scroll_into_view_if_needed()
            page.wait_for_selector("body[data-figures=loaded]", timeout=10000)
        show_figures(page, *figures)
        shown |= {key: value for key, value in page.evaluate(WIDGETS).items() if value not in (None, [])}
        page.context.close()
    return shown


def test_every_widget_agrees_after_adding_labels_under_every_template(open_page, server):
    browser, url, stored = server
    page, _ = open_page()
    for label in ["kitten", "tabby cat", "tiger"]:
        add_label(page, label)
        wait_ready(page, label)
    for template in stored.template_ids:
        page.select_option("#template-select", template)
        view = check_numbers(page, stored)
        labels, tau, photo = view["labels"], view["tau"], view["photo"]
        sims, probs, entropy = stored.view(photo, template, labels, tau)
        top = int(np.argmax(probs))
        assert view["top"] == labels[top] and view["topProbability"] == f"{100 * probs[top]:.1f}%"
        # the same view (the added labels included) on every deep-dive page, the matrix showing probabilities
        shown = widgets(open_page, page.evaluate("location.hash") + "&measure=probability")
        # matrix: every photo's softmax over the same labels
        assert shown["matrixHead"] == labels
        expected = [stored.view(p, template, labels, tau)[1] for p in stored.photo_ids]
        np.testing.assert_allclose(shown["matrix"], expected, atol=1e-6)
        # heatmap: every template, the added labels included; its column for this template is the table's
        assert shown["templateLabels"] == labels
        heat = np.array([stored.view(photo, t, labels, tau)[1] for t in stored.template_ids]).T
        np.testing.assert_allclose(shown["templates"], heat, atol=1e-6)
        column = stored.template_ids.index(template)
        np.testing.assert_allclose(np.array(shown["templates"])[:, column], view["probs"], atol=1e-6)
        # sweep and crowding sentences: the same top label and probability
        assert f"“{labels[top]}” takes {100 * probs[top]:.1f}%" in shown["sweep"]
        assert f"{entropy:.3f} nats" in shown["sweep"]
        assert shown["crowdingState"] == "live" and f"of “{labels[top]}”" in shown["crowding"]
        assert f"from {100 * probs[top]:.1f}%" in shown["crowding"]
        assert abs(shown["crowdingTops"][0] - probs[top]) < 1e-6
