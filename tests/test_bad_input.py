"""Bad input stops the build with a message naming the file (and line), and the previous site stays whole."""
import hashlib
import os
import subprocess
import sys

import pytest
from conftest import ROOT, small_build

from explainer.errors import BuildError


def snapshot_of(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def break_photo_file(content, photos):
    (photos / "coins.png").unlink()


def break_photo_bytes(content, photos):
    (photos / "coins.png").write_bytes(b"not a png at all")


def drop_licence(content, photos):
    edit(photos / "photos.yaml", "  licence: Public domain\n", "")


def drop_alt(content, photos):
    edit(photos / "photos.yaml", "  alt: A tabby cat", "  title_alt: A tabby cat")


def template_without_placeholder(content, photos):
    edit(content / "templates.yaml", '"a drawing of a {label}."', '"a drawing of a thing."')


def long_short_name(content, photos):
    edit(content / "templates.yaml", '  short: "{label}"', '  short: "the bare label itself"')


def empty_labels(content, photos):
    (content / "labels.yaml").write_text("default: []\n")


def label_outside_vocabulary(content, photos):
    edit(content / "labels.yaml", "  - pizza\n", "  - pizzza\n")


def malformed_front_matter(content, photos):
    edit(content / "sections" / "03-cosine.md", "kicker: Step 3\n", "kicker: [Step 3\n")


def unknown_front_matter_key(content, photos):
    edit(content / "sections" / "03-cosine.md", "kicker: Step 3\n", "kicket: Step 3\n")


def unknown_widget(content, photos):
    edit(content / "sections" / "03-cosine.md", "::: similarities", "::: similarity-chart")


def bad_maths(content, photos):
    edit(content / "sections" / "03-cosine.md", r"$\mathbf{v}$", r"$\left( \mathbf{v}$")


def broken_anchor(content, photos):
    edit(content / "sections" / "50-myths.md", "](#text-encoder)", "](#label-editor-typo)")


def broken_file_link(content, photos):
    edit(content / "sections" / "50-myths.md", "](#text-encoder)", "](data/nothing.json)")


def duplicate_label(content, photos):
    edit(content / "labels.yaml", "  - pizza\n", "  - Cat\n")


def unknown_default_photo(content, photos):
    edit(content / "settings.yaml", "default_photo: cat", "default_photo: dog")


def line_of(name, text):
    """The line of content/sections/<name> that holds text: the line a mistake there is reported on."""
    lines = (ROOT / "content" / "sections" / name).read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


CASES = [  # (how to break the input, file named in the error, its line or None, words in the message)
    (break_photo_file, "photos.yaml", 39, "cannot be read"),
    (break_photo_bytes, "photos.yaml", 39, "cannot read image"),
    (drop_licence, "photos.yaml", 17, "missing 'licence'"),
    (drop_alt, "photos.yaml", 6, "unknown key 'title_alt'"),
    (template_without_placeholder, "templates.yaml", 13, "{label}"),
    (long_short_name, "templates.yaml", 7, "must have 1 to 12 characters"),
    (empty_labels, "labels.yaml", 1, "empty"),
    (label_outside_vocabulary, "labels.yaml", 11, "not in content/vocabulary.txt"),
    (malformed_front_matter, "03-cosine.md", 4, "malformed YAML"),
    (unknown_front_matter_key, "03-cosine.md", 3, "unknown key 'kicket'"),
    (unknown_widget, "03-cosine.md", line_of("03-cosine.md", "::: similarities"), "unknown widget 'similarity-chart'"),
    (bad_maths, "03-cosine.md", 6, "cannot typeset"),
    (broken_anchor, "50-myths.md", line_of("50-myths.md", "](#text-encoder)"),
     "no element with id 'label-editor-typo'"),
    (broken_file_link, "50-myths.md", line_of("50-myths.md", "](#text-encoder)"), "no such file in the site"),
    (duplicate_label, "labels.yaml", 11, "duplicate label 'Cat'"),
    (unknown_default_photo, "settings.yaml", 5, "default_photo 'dog' is not an id"),
]


@pytest.mark.parametrize("breaker, filename, line, words", CASES, ids=[c[0].__name__ for c in CASES])
def test_bad_input_names_file_and_line_and_keeps_previous_site(small, breaker, filename, line, words):
    content, photos, cache, out = small
    small_build(small)
    before = snapshot_of(out)
    breaker(content, photos)
    with pytest.raises(BuildError) as caught:
        small_build(small)
    error = caught.value
    assert error.path is not None and os.path.basename(error.path) == filename, str(error)
    assert error.line == line, str(error)
    assert words in str(error)
    assert snapshot_of(out) == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".site.")]  # no temporary folder left


def test_command_line_exits_nonzero_with_the_message(small):
    content, photos, cache, out = small
    template_without_placeholder(content, photos)
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--model", "stand-in", "--out", str(out),
                             "--content", str(content), "--photos", str(photos)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 1
    assert f"{content / 'templates.yaml'}:13: template 'a drawing of a thing.' must contain {{label}}" in result.stderr
    assert not out.exists()


def test_default_model_offline_fails_fast_with_what_to_do(tmp_path):
    env = dict(os.environ, HF_HOME=str(tmp_path / "hf"), HF_HUB_OFFLINE="1")
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(tmp_path / "site")],
                            capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert result.returncode == 1
    assert "cannot load model 'openai/clip-vit-base-patch32'" in result.stderr
    assert "make build MODEL=stand-in" in result.stderr and "--model" in result.stderr
    assert not (tmp_path / "site").exists()
