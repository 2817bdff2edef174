"""The built site holds every section, the photos with credits and alt text, the banner, and no request
to another origin."""
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from conftest import ROOT, read_snapshot

SECTIONS = ["prelude", "two-encoders", "text-encoder", "cosine", "softmax", "why-it-works", "beyond", "myths",
            "takeaway"]
WIDGETS = ["photo-picker", "image-vector-chart", "template-select", "label-rows", "add-label-input",
           "text-vector-chart", "similarities-chart", "tau-slider", "top-label", "top-probability", "entropy",
           "probabilities-chart"]
TEMPLATES = ["{label}", "a photo of a {label}.", "a blurry photo of a {label}.", "a drawing of a {label}.",
             "itap of a {label}.", "a photo of the small {label}."]


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def page(site):
    out, _ = site
    html = (out / "index.html").read_text()
    parser = Elements()
    parser.feed(html)
    return out, html, parser.elements


def test_every_section_and_widget_is_on_the_page(page):
    out, _, _ = page
    # the core article and its deep-dive pages (issue 32 section 5) together: every section and widget, once
    html = "".join(path.read_text() for path in sorted(out.glob("*.html")))
    ids = re.findall(r'\sid="([^"]+)"', "".join(path.read_text().split('<main id="explainer">')[1].split("</main>")[0]
                                              for path in sorted(out.glob("*.html"))))
    for section in SECTIONS:
        assert ids.count(section) == 1, section
    for widget in WIDGETS:
        assert ids.count(widget) == 1, widget
    assert "<math" in html and "<table>" in html  # typeset maths, the tasks table
    assert html.count('class="myth"') == 4


def test_template_selector_offers_the_required_templates_and_the_ensemble(page):
    _, html, elements = page
    select = re.search(r'<select id="template-select".*?</select>', html, re.S)[0]  # the bar has a menu too
    options = re.findall(r'<option value="([^"]+)"', select)
    assert options == ["bare", "photo", "blurry", "drawing", "itap", "small", "ensemble"]
    for template in TEMPLATES:
        assert f">{template}</option>" in html


def test_six_photos_with_credit_licence_and_alt_text(page):
    out, html, elements = page
    radios = [attrs["value"] for tag, attrs in elements if tag == "input" and attrs.get("name") == "photo"]
    assert len(radios) == 6
    snapshot = read_snapshot(html)
    for photo in snapshot["photos"]:
        assert photo["alt"] and photo["credit"] and photo["licence"] and photo["source"]
        assert photo["credit"] in html and photo["licence"] in html
        assert (out / photo["src"]).stat().st_size > 1000
    main = next(attrs for tag, attrs in elements if attrs.get("id") == "current-photo")
    assert main["alt"] == snapshot["photos"][0]["alt"]


def test_stand_in_banner_and_model_footer(page, site):
    _, html, elements = page
    _, report = site
    assert 'id="stand-in-banner"' in html and "untrained stand-in" in html
    assert report.model.fingerprint[:12] in html and 'id="model-fingerprint"' in html


def test_default_rows_match_the_stored_grid(page):
    out, _, elements = page
    grid = json.loads((out / "data" / "grid.json").read_text())
    rows = [attrs for tag, attrs in elements if tag == "tr" and "data-label" in attrs and "data-sim" in attrs]
    assert [r["data-label"] for r in rows] == grid["labels"]
    photo, template = grid["photos"].index("cat"), grid["templates"].index("photo")
    tau = grid["temperatures"].index(0.01)
    for i, row in enumerate(rows):
        assert float(row["data-sim"]) == pytest.approx(grid["similarities"][photo][template][i], abs=1e-6)
        assert float(row["data-prob"]) == pytest.approx(grid["probabilities"][photo][template][tau][i], abs=1e-6)


def test_no_file_refers_to_another_origin(page):
    out, html, elements = page
    for tag, attrs in elements:
        for name in ("src", "href", "srcset", "action", "data"):
            value = attrs.get(name) or ""
            if tag == "a" and name == "href":
                continue  # links in prose and credits are fine: following one is the reader's choice
            assert not re.search(r"(^|[\s,])(https?:)?//", value), f"<{tag} {name}={value!r}>"
    for path in [p for p in [*(out / "assets").rglob("*"), *(out / "charts").iterdir()] if p.is_file()]:
        text = path.read_text()
        refs = re.findall(r"https?://[^\s\"')]+", text)
        assert all(r.startswith("http://www.w3.org/") for r in refs), (path.name, refs)  # SVG/XML namespaces only
    csp = next(attrs["content"] for tag, attrs in elements if attrs.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'self'" in csp and "script-src 'self' 'wasm-unsafe-eval';" in csp  # live mode's wasm
    assert "unsafe" not in csp.replace("'wasm-unsafe-eval'", "") and "worker-src 'self'" in csp
    assert "data:" not in csp and "http" not in csp and "*" not in csp


def test_vendored_vega_is_the_pinned_version(page):
    out, _, _ = page
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["vega"]
    assert f'"{pinned}"' in (out / "vendor" / "vega.min.js").read_text() or pinned in (
        out / "vendor" / "vega.min.js").read_text()
    assert "from 'vega-util'" not in (out / "vendor" / "vega-interpreter.js").read_text()


def test_internal_links_resolve(page, tmp_path, monkeypatch):
    from explainer.check import broken_references
    out, _, _ = page
    assert broken_references(out) == []
    monkeypatch.chdir(out.parent)
    assert broken_references(out.name) == []  # a relative site folder, as `make check` passes it
    broken = tmp_path / "site"
    broken.mkdir()
    (broken / "index.html").write_text('<a href="#nowhere">x</a><img src="missing.png" alt=""><p id="here"></p>'
                                       '<a href="#here">ok</a><a href="https://example.org/">prose link</a>')
    assert [(ref, why) for _, ref, why in broken_references(broken)] == [
        ("#nowhere", "no element with id 'nowhere'"), ("missing.png", "no such file in the site")]


def test_nu_html_checker_finds_no_errors(page):
    import subprocess
    out, _, _ = page
    vnu = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    result = subprocess.run(["java", "-jar", str(vnu), "--errors-only", "--skip-non-html", str(out)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr


def test_static_matrix_table_matches_the_grid(page):
    out, html, _ = page
    grid = json.loads((out / "data" / "grid.json").read_text())
    html = (out / "space.html").read_text()  # the matrix's deep-dive page
    table = re.search(r'<table class="matrix-table" id="matrix-table">(.*?)</table>', html, re.S)[1]
    rows = [re.findall(r'<td class="num">([-\d.]+)</td>', row)
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]
    template = grid["templates"].index("photo")
    expected = [[grid["similarities"][p][template][i] for i in range(len(grid["labels"]))] for p in range(6)]
    np.testing.assert_allclose([[float(v) for v in row] for row in rows], expected, atol=6e-4)


def test_static_template_table_and_verdict_match_the_grid(page):
    out, html, _ = page
    grid = json.loads((out / "data" / "grid.json").read_text())
    html = (out / "templates.html").read_text()  # the template heatmap's deep-dive page
    table = re.search(r'<table class="templates-table" id="templates-table">(.*?)</table>', html, re.S)[1]
    rows = [re.findall(r'<td class="num">(\d+)%</td>', row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]
    photo, tau = grid["photos"].index("cat"), grid["temperatures"].index(0.01)
    probs = np.array([grid["probabilities"][photo][t][tau] for t in range(len(grid["templates"]))])  # (T, L)
    np.testing.assert_allclose(np.array(rows, dtype=float), np.round(100 * probs.T), atol=1)
    top = int(np.argmax(probs[grid["templates"].index("photo")]))
    best, worst = probs[:, top].max(), probs[:, top].min()
    assert f"a difference of {100 * (best - worst):.1f} percentage points" in html
