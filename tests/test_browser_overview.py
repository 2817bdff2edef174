"""The overview figure at the top of the page (issue 24, item 2): the zero-shot pipeline as one SVG that is also
the table of contents. The build draws it (both layouts) from the page's overview.js; the page rewrites it for the
reader's view. Checked here: every node is in the page without JavaScript and links to an element that exists;
the first paint reads as the hydrated figure; its numbers are the ones numpy gets from site/data and follow the
photo, the temperature and the labels; the step being read is marked; nothing overflows at 375 and 1280 px."""
import math
import re

import pytest
from browser import add_label, page_view

NODES = ["photo", "crop", "image-tower", "image-vector", "label", "template", "tokens", "text-tower", "text-vector",
         "cosine", "temperature", "softmax", "probability"]
READ = """(layout) => {
  const svg = document.querySelector(`[data-testid=overview-figure] svg[data-layout=${layout}]`);
  return {
    visible: svg.checkVisibility(), title: svg.querySelector('title').textContent,
    desc: svg.querySelector('desc').textContent,
    nodes: Object.fromEntries([...svg.querySelectorAll('a[data-node]')].map((a) => [a.dataset.node, {
      href: a.getAttribute('href'), label: a.querySelector('title').textContent,
      target: !!document.getElementById(a.getAttribute('href').slice(1)),
      lines: [...a.querySelectorAll('.overview-value')].map((t) => t.textContent),
      strip: [...a.querySelectorAll('.overview-strip')].map((p) => [p.getAttribute('fill'), p.getAttribute('d')]),
      image: a.querySelector('image')?.getAttribute('href') ?? null,
    }])),
  };
}"""


def read(page, layout):
    return page.evaluate(READ, layout)


def hydrated(page):
    """The overview in view and drawn for the current view (it is computed only near the screen)."""
    page.locator("#overview").scroll_into_view_if_needed(timeout=10000)
    page.wait_for_selector("#overview[data-view=live]:not([data-stale])", state="attached", timeout=10000)
    return read(page, "wide")


def text(figure, node):
    return " ".join(line for line in figure["nodes"][node]["lines"] if line)


def three_digits(shown, value):
    """shown is value to three significant digits (sentences.js threeDigits)."""
    step = 10 ** (math.floor(math.log10(abs(value))) - 2)
    return abs(float(shown) - value) <= 0.5 * step * 1.001


def test_without_javascript_the_figure_has_every_node_and_its_links_land(server):
    browser, url, _ = server
    for width, shown in ((1280, "wide"), (375, "narrow")):
        context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(url)
        for layout in ("wide", "narrow"):
            figure = read(page, layout)
            assert figure["visible"] == (layout == shown), (width, layout)
            assert list(figure["nodes"]) == NODES
            assert figure["title"] and "top label" in figure["desc"]
            for node, values in figure["nodes"].items():
                across = re.fullmatch(r"([a-z-]+\.html)#(figure-\d+)", values["href"])  # a figure on a deep page
                if across:
                    assert f'id="{across[2]}"' in (server[2].out / across[1]).read_text(), (node, values)
                else:
                    assert values["target"] and re.fullmatch(r"#(figure-\d+|[a-z-]+)", values["href"]), (node, values)
                # the accessible name holds the whole value that the box may show cut
                assert any(values["lines"]) and all(line.rstrip("…") in values["label"] for line in values["lines"])
            for vector in ("image-vector", "text-vector"):  # 64 cells, one path per colour
                strip = figure["nodes"][vector]["strip"]
                assert len(strip) == 9 and sum(d.count("z") for _, d in strip) == 64
            assert figure["nodes"]["photo"]["image"].startswith("photos/")
        for node, values in read(page, shown)["nodes"].items():  # each link is named by its <title>: its whole value
            assert page.get_by_role("link", name=values["label"], exact=True).count() == 1, node
        figure = read(page, "wide")
        # the links lead to the figures of their steps
        hrefs = {node: values["href"] for node, values in figure["nodes"].items()}
        for node, widget in (("photo", "photo-picker"), ("cosine", "similarities"), ("probability", "predictions"),
                             ("tokens", "tokens"), ("temperature", "temperature")):
            assert page.get_attribute(f"{hrefs[node]}", "data-figure") == widget, node
        assert hrefs["softmax"] == "#softmax" and hrefs["image-tower"] == "#two-encoders"
        context.close()


def test_the_first_paint_reads_as_the_hydrated_figure(server, open_page):
    browser, url, _ = server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url)
    static = {layout: read(page, layout) for layout in ("wide", "narrow")}
    context.close()
    page, _ = open_page()
    hydrated(page)
    for layout in ("wide", "narrow"):
        live = read(page, layout)
        assert live["desc"] == static[layout]["desc"]
        for node in NODES:
            assert live["nodes"][node] == static[layout]["nodes"][node], (layout, node)


def check_against_numpy(figure, page, stored):
    """The top label's cosine, cosine / tau and probability, and the labels' count, as numpy computes them from
    site/data for the view the page shows."""
    view = page_view(page)
    tau = stored.embeddings["temperatures"][view["tauIndex"]]
    sims, probs, _ = stored.view(view["photo"], view["template"], view["labels"], tau)
    top = int(probs.argmax())
    label = view["labels"][top]
    assert three_digits(text(figure, "cosine"), sims[top]), (text(figure, "cosine"), sims[top])
    shown_tau, scaled = re.fullmatch(r"÷ (\S+) = (\S+)", text(figure, "temperature")).groups()
    assert three_digits(shown_tau, tau) and three_digits(scaled, sims[top] / tau)
    assert text(figure, "probability") == f"{100 * probs[top]:.1f}% “{label}”"
    assert text(figure, "label") == f"“{label}” top of {len(view['labels'])}"
    assert text(figure, "softmax") == f"over {len(view['labels'])} labels"
    return view


def test_the_numbers_are_numpys_and_follow_photo_temperature_and_labels(open_page, server):
    page, _ = open_page()
    stored = server[2]
    first = hydrated(page)
    check_against_numpy(first, page, stored)

    page.click("label.photo-choice:has(input[value=rocket])")
    photo = hydrated(page)
    check_against_numpy(photo, page, stored)
    assert text(photo, "photo") != text(first, "photo") and photo["nodes"]["photo"]["image"].startswith(
        "photos/rocket")
    assert photo["nodes"]["image-vector"]["strip"] != first["nodes"]["image-vector"]["strip"]
    assert text(photo, "cosine") != text(first, "cosine")

    page.locator("#tau-slider").focus()
    page.keyboard.press("End")  # tau = 1, with the overview far above: it catches up when it comes near
    warm = hydrated(page)
    view = check_against_numpy(warm, page, stored)
    assert stored.embeddings["temperatures"][view["tauIndex"]] == 1.0
    assert text(warm, "probability") != text(photo, "probability") and text(warm, "cosine") == text(photo, "cosine")

    page.select_option("#template-select", "small")
    add_label(page, "kitten")
    page.wait_for_selector("#label-rows tr[data-label='kitten'][data-state=ready]", timeout=15000)
    more = hydrated(page)
    check_against_numpy(more, page, stored)
    assert text(more, "softmax") == "over 9 labels" and "the small" in text(more, "template")


def read_at(page, element_id):
    """Scroll so that the element's top sits 30% down the window (the band the figure watches is at 35-40%)."""
    page.evaluate("(id) => { const el = document.getElementById(id); "
                  "scrollTo(0, el.getBoundingClientRect().top + scrollY - innerHeight * 0.3); }", element_id)


@pytest.mark.parametrize("width", [1280, 375])
def test_the_step_being_read_is_marked_in_the_figure(open_page, width):
    page, _ = open_page(width=width)
    layout = "wide" if width > 527 else "narrow"
    hrefs = {node: values["href"][1:] for node, values in read(page, layout)["nodes"].items()}
    assert not page.locator(f"svg[data-layout={layout}] a[aria-current]").count()  # the top: nothing read yet
    for node in ("label", "cosine", "softmax", "temperature", "probability", "text-tower"):  # on the core article
        read_at(page, hrefs[node])
        page.wait_for_selector(f"svg[data-layout={layout}] a[data-node={node}][aria-current=step]", timeout=5000)
        current = page.eval_on_selector_all(f"svg[data-layout={layout}] a[aria-current]",
                                            "els => els.map((a) => a.dataset.node)")
        assert current == [node], (node, current)


@pytest.mark.parametrize("width", [1280, 375])
def test_nothing_overflows_and_the_text_stays_in_its_boxes(open_page, width):
    page, _ = open_page("#template=small&label=cup+of+coffee&label=photographer&label=astronaut", width=width)
    hydrated(page)
    layout = "wide" if width > 527 else "narrow"
    geometry = page.evaluate("""(layout) => {
      const svg = document.querySelector(`svg[data-layout=${layout}]`);
      const box = svg.getBoundingClientRect();
      const spill = [];
      for (const a of svg.querySelectorAll('a[data-node]')) {
        const frame = a.querySelector('.overview-box').getBoundingClientRect();
        for (const t of a.querySelectorAll('text')) {
          const r = t.getBoundingClientRect();
          if (r.width && (r.left < frame.left || r.right > frame.right || r.bottom > frame.bottom + 1)) {
            spill.push([a.dataset.node, t.textContent]);
          }
        }
      }
      const fonts = [...svg.querySelectorAll('text')].map((t) => parseFloat(getComputedStyle(t).fontSize));
      return { scroll: document.documentElement.scrollWidth, inner: innerWidth, left: box.left, right: box.right,
               scale: box.width / svg.viewBox.baseVal.width, spill, font: Math.min(...fonts) };
    }""", layout)
    assert geometry["scroll"] <= geometry["inner"] == width
    assert 0 <= geometry["left"] and geometry["right"] <= width
    assert geometry["scale"] == pytest.approx(1, abs=0.01) and geometry["font"] >= 11  # drawn 1:1, legible
    assert not geometry["spill"], geometry["spill"]
