"""One name per figure (issue 31): a figure's module (templates/assets/figures/NAME.js), its widget
(templates/widgets/NAME.html, placed by `::: NAME`), its figures.yaml key, its element id and its data-testid
carry one name; the names it went by before still work in widget lines and {fig:...} (markup.WIDGET_ALIASES)."""
import re

import pytest
from conftest import ROOT

from explainer.markup import WIDGET_ALIASES, MarkupError, substitute_figure_refs, widget_name

FIGURES = ROOT / "templates" / "assets" / "figures"
WIDGETS = ROOT / "templates" / "widgets"
# the figure whose one module fills two widgets (the image's vector and the text's), and the overview, a partial
# at the top of the page rather than a numbered figure
NOT_ONE_WIDGET = {"vectors", "overview"}
# data-testids that tests and issues name as contracts and that sit on the widget's root element already
CONTRACT_TESTIDS = {"seen": "seen-figure", "objective": "objective-figure",
                    "score": "score-figure", "attack": "attack-figure", "models": "models-figure"}


def figure_names():
    return sorted(p.stem for p in FIGURES.glob("*.js") if p.name != "index.js")


def test_each_figure_has_one_name():
    names = figure_names()
    assert len(names) >= 13
    figures_yaml = (ROOT / "content" / "figures.yaml").read_text()
    widgets = {p.stem for p in WIDGETS.glob("*.html") if not p.name.startswith("_")}
    assert set(re.findall(r"^([a-z0-9-]+): \{", figures_yaml, re.M)) <= widgets  # keys are widget names
    widget_lines = {line[4:].strip() for path in (ROOT / "content" / "sections").glob("*.md")
                    for line in path.read_text().splitlines() if line.startswith("::: ")}
    for name in sorted(set(names) - NOT_ONE_WIDGET):
        widget = (WIDGETS / f"{name}.html").read_text()
        testid = CONTRACT_TESTIDS.get(name, name)
        assert re.search(rf'<div class="widget[^"]*" id="{name}" data-testid="{testid}"', widget), name
        entry = re.search(rf"^([a-z0-9-]+): \{{.*\bname: {name}\b|^{name}: \{{.*$", figures_yaml, re.M)
        assert not entry or entry.group(0).startswith(f"{name}: "), entry.group(0)  # listed: under its one name
        assert not entry or re.match(rf"{name}: \{{(?!.*\bname: (?!{name}\b))", entry.group(0)), entry.group(0)
        assert name in widget_lines, f"no section places ::: {name}"
        near = re.search(rf"\bname: '{name}', near: \[(.*?)\]", (FIGURES / f"{name}.js").read_text()).group(1)
        assert near in (f"'{name}'", ""), (name, near)  # near its own element, or always drawn


def test_old_names_still_work():
    known = {p.stem for p in WIDGETS.glob("*.html") if not p.name.startswith("_")}
    for old, new in WIDGET_ALIASES.items():
        assert new in known and old not in known, (old, new)
        assert widget_name(f"::: {old}", known) == new
    assert widget_name("::: photo-label-matrix", known) == "matrix"
    with pytest.raises(MarkupError, match="unknown widget 'photo-label-matrx'"):
        widget_name("::: photo-label-matrx", known)
    figures = {"matrix": 11, "photo-label-matrix": 11, "template-heatmap": 5}  # as render_page builds them
    html = substitute_figure_refs("{fig:photo-label-matrix} and {fig:template-heatmap}", figures, lambda h: h)
    assert html.count('href="#figure-11"') == 1 and html.count('href="#figure-5"') == 1
