"""docs/authoring.md names everything the code lets an author write; `make new` and drafts; counts on the
page come from the content (seven photos, another template set)."""
import re
import shutil
import subprocess
import sys

from conftest import ROOT, site_html, small_build

from explainer import content as content_module
from explainer import settings as settings_module
from explainer.markup import placeholder_values
from explainer.new import new_section

REFERENCE = (ROOT / "docs" / "authoring.md").read_text()


def documented(name):
    return f"`{name}`" in REFERENCE


def test_every_settings_front_matter_and_record_key_is_documented():
    keys = (settings_module.SETTINGS_REQUIRED + settings_module.SETTINGS_OPTIONAL
            + [f"temperatures.{k}" for k in ("tau_min", "tau_max", "steps_per_decade")]
            + [f"live.{k}" for k in settings_module.LIVE_DEFAULTS]
            + [f"limits.{k}" for k in settings_module.LIMIT_DEFAULTS]
            + content_module.FRONT_MATTER_REQUIRED + content_module.FRONT_MATTER_OPTIONAL
            + content_module.PHOTO_FIELDS + ["id", "text", "ensemble", "short", "default"])
    missing = [k for k in keys if not documented(k)]
    assert not missing, f"docs/authoring.md does not name: {missing}"


def test_every_widget_is_documented_with_whether_it_is_once_only():
    widgets = sorted(p.stem for p in (ROOT / "templates" / "widgets").glob("*.html") if not p.name.startswith("_"))
    assert len(widgets) >= 14
    rows = {m[1]: m[2] for m in re.finditer(r"^\| `([a-z-]+)` \| (yes|no) \|", REFERENCE, re.M)}
    assert sorted(rows) == widgets


def test_every_placeholder_is_documented():
    context = dict(model=dict(dim=512, context_length=77, image_size=224, patch_size=32), photos=[1] * 6,
                   labels=[1] * 8, templates=[1] * 7, ensemble_size=80, vocabulary_count=6000,
                   temperatures=[0.001, 1.0], gap_cosines=dict(photo_label=0.2, best_label=0.31))
    names = placeholder_values(context)
    assert names["vocabulary.count"] == "6,000" and names["tau.min"] == "0.001" and names["model.patches"] == "49"
    missing = [n for n in names if f"{{{{ {n} }}}}" not in REFERENCE]
    assert not missing, f"docs/authoring.md does not name the placeholders {missing}"


def test_the_readme_links_the_reference():
    assert "(docs/authoring.md)" in (ROOT / "README.md").read_text()


def test_make_new_writes_a_valid_draft_that_serve_builds_and_build_leaves_out(small):
    content, photos, cache, out = small
    last = max(int(p.name[:2]) for p in (content / "sections").glob("*.md"))  # the next free number
    path = new_section("glossary", content / "sections")
    assert path.name == f"{last + 1:02d}-glossary.md"
    path.write_text(path.read_text() + "\nThe glossary has {{ photos.count }} photos.\n")
    small_build(small)
    page = (out / "index.html").read_text()
    assert 'id="glossary"' not in page and "The glossary has" not in page
    small_build(small, drafts=True)
    page = (out / "index.html").read_text()
    assert 'id="glossary"' in page and "The glossary has 6 photos." in page
    assert subprocess.run([sys.executable, "-m", "explainer.new", "glossary", "--sections", str(content / "sections")],
                          capture_output=True, text=True, timeout=60, cwd=ROOT).returncode == 1  # exists already


def test_make_new_and_serve_pass_their_variables():
    run = lambda *args: subprocess.run(["make", "-n", *args, "PY=.venv/bin/python"], capture_output=True,  # noqa: E731
                                       text=True, timeout=60, cwd=ROOT)
    assert "-m explainer.new glossary" in run("new", "SECTION=glossary").stdout
    missing = subprocess.run(["make", "new"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert missing.returncode == 2 and "usage: make new SECTION=name" in missing.stderr
    serve = run("serve", "PORT=8123", "HOST=0.0.0.0").stdout
    assert "--host 0.0.0.0 --port 8123" in serve
    assert "--host 127.0.0.1 --port 8000" in run("serve").stdout


def test_seven_photos_and_another_template_set_leave_no_false_count(small):
    content, photos, cache, out = small
    shutil.copy(photos / "cat.png", photos / "cat2.png")
    with (photos / "photos.yaml").open("a") as f:
        f.write("- id: cat-again\n  file: cat2.png\n  title: Chelsea again\n  alt: The same tabby cat.\n"
                "  credit: Stefan van der Walt\n  licence: CC0 1.0\n  source: https://example.org/cat\n")
    (content / "templates.yaml").write_text('- id: photo\n  text: "a photo of a {label}."\n'
                                            '- id: sketch\n  text: "a sketch of a {label}."\n'
                                            "- id: ensemble\n  ensemble: true\n  text: the ensemble\n")
    small_build(small)
    page = site_html(out)  # the core article and its deep dives
    text = re.sub(r"<[^>]+>", " ", page)
    assert "for all 7 photos at once" in text
    assert "from the 7 photos and" in text and "Scatter plot of the 7 photos" in page
    assert "averaged the vectors of 4 such sentences" in text  # the small ensemble has 4 templates
    assert not re.search(r"\bsix\b|\b6 photos\b", text, re.I)
    assert len(re.findall(r"<option value=", page.split('<select id="template-select"')[1].split("</select>")[0])) == 3
    assert page.count('<label class="photo-choice"') == 7
