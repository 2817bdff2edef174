"""Hostile content (issue 20): every input an author or a pull request controls is bounded, refused with its
file and line before any expensive work, and never shipped; the previous site stays whole."""
import os
import shutil
import unicodedata

import pytest
from conftest import ROOT, small_build
from test_authoring import filled_cache, small_cached  # noqa: F401  (fixtures: a filled embedding cache)
from test_bad_input import edit, snapshot_of

from explainer.errors import BuildError

COSINE = "03-cosine.md"


def line_of(path, text):
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
                if text in line)


def append_vocabulary(content, *lines):
    """Add lines to the vocabulary; returns the line number of the first one added."""
    path = content / "vocabulary.txt"
    before = path.read_bytes()
    path.write_bytes(before + b"".join(line + b"\n" for line in lines))
    return before.count(b"\n") + 1


def billion_laughs(content, photos):
    lines = ['default: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for name, previous in zip("bcdefghij", "abcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    (content / "labels.yaml").write_text("\n".join(lines) + "\n")
    return content / "labels.yaml", 1, "expands to more than 100,000 values"


def deeply_nested_front_matter(content, photos):
    path = content / "sections" / COSINE
    edit(path, "kicker: Step 3\n", "kicker: " + "[" * 5_000 + "]" * 5_000 + "\n")
    return path, 3, "nested more than 32 deep"


def deeply_nested_block_yaml(content, photos):
    path = photos / "photos.yaml"
    path.write_text(path.read_text() + "".join("  " * depth + "- x:\n" for depth in range(40)))
    # each line nests a list and a mapping in the one above: the 17th line's list is 33rd from the top
    return path, line_of(path, "  " * 16 + "- x:"), "nested more than 32 deep"


def one_megabyte_label(content, photos):
    line = append_vocabulary(content, b"x" * 1_000_000)
    return content / "vocabulary.txt", line, "over the limit of 64"


def label_of_65_characters(content, photos):
    line = append_vocabulary(content, b"a" * 65)
    return content / "vocabulary.txt", line, "over the limit of 64"


def vocabulary_over_its_limit(content, photos):
    edit(content / "settings.yaml", "  vocabulary_size: 20000\n", "  vocabulary_size: 10\n")
    return content / "vocabulary.txt", 11, "more than 10 entries"


def alt_text_over_its_limit(content, photos):
    path = photos / "photos.yaml"
    edit(path, "  alt: A tabby cat", "  alt: " + "very " * 200 + "A tabby cat")
    return path, line_of(path, "  alt: very very"), "alt has 1,0"


def label_length_above_the_page(content, photos):
    path = content / "settings.yaml"
    edit(path, "  label_length: 64\n", "  label_length: 100\n")
    return path, line_of(path, "  label_length: 100"), "from 1 to 64 (the page's own limit on a label)"


def nfc_and_nfd_are_one_label(content, photos):
    line = append_vocabulary(content, unicodedata.normalize("NFC", "café").encode(),
                             unicodedata.normalize("NFD", "café").encode())
    return content / "vocabulary.txt", line + 1, f"the same as line {line}"


def case_duplicates_name_both_lines(content, photos):
    line = append_vocabulary(content, b"Tabby Cat")
    first = line_of(content / "vocabulary.txt", "tabby cat")
    words = f"duplicate vocabulary label 'Tabby Cat': the same as line {first} 'tabby cat'"
    return content / "vocabulary.txt", line, words


def invalid_utf8_names_its_line(content, photos):
    line = append_vocabulary(content, b"fine", b"caf\xe9 au lait", b"after")
    return content / "vocabulary.txt", line + 1, "not valid UTF-8: byte 0xe9 at column 4"


def photo_outside_photos(content, photos):
    (photos.parent / "outside.png").write_bytes((photos / "cat.png").read_bytes())
    path = photos / "photos.yaml"
    edit(path, "  file: cat.png", "  file: ../outside.png")
    return path, line_of(path, "../outside.png"), "is outside"


def photo_absolute_path(content, photos):
    path = photos / "photos.yaml"
    edit(path, "  file: cat.png", "  file: /dev/zero")
    return path, line_of(path, "/dev/zero"), "is outside"


def photo_symlink_out(content, photos):
    (photos.parent / "outside.png").write_bytes((photos / "cat.png").read_bytes())
    (photos / "cat.png").unlink()
    (photos / "cat.png").symlink_to(photos.parent / "outside.png")
    path = photos / "photos.yaml"
    return path, line_of(path, "  file: cat.png"), "is outside"


def photo_fifo(content, photos):
    (photos / "cat.png").unlink()
    os.mkfifo(photos / "cat.png")  # reading it would hang the build
    path = photos / "photos.yaml"
    return path, line_of(path, "  file: cat.png"), "not a regular file"


def photo_source_javascript(content, photos):
    path = photos / "photos.yaml"
    edit(path, "  source: https://flic.kr/p/r9qvLn", "  source: javascript:alert(document.domain)")
    return path, line_of(path, "javascript:"), "must be an http(s) address"


def html_case(markup, words, name):
    def breaker(content, photos):
        path = content / "sections" / COSINE
        edit(path, "::: similarities\n", f"::: similarities\n\nSee {markup} here.\n")
        return path, line_of(path, f"See {markup}"), words
    breaker.__name__ = f"raw_html_{name}"
    return breaker


CASES = [billion_laughs, deeply_nested_front_matter, deeply_nested_block_yaml, one_megabyte_label,
         label_of_65_characters, vocabulary_over_its_limit, alt_text_over_its_limit, label_length_above_the_page,
         nfc_and_nfd_are_one_label, case_duplicates_name_both_lines, invalid_utf8_names_its_line,
         photo_outside_photos, photo_absolute_path, photo_symlink_out, photo_fifo, photo_source_javascript,
         html_case('<meta http-equiv="refresh" content="3;url=https://example.org/">', "a <meta> element", "meta"),
         html_case("[a link](javascript:alert(1))", "a javascript: address", "markdown_link"),
         html_case('<a href="JaVa&#x09;ScRiPt:alert(1)">x</a>', "a javascript: address", "entity_link"),
         html_case('<iframe src="https://example.org/"></iframe>', "a <iframe> element", "iframe"),
         html_case('<form action="https://example.org/"><button>go</button></form>', "a <form> element", "form"),
         html_case('<img src="x.png" onerror="alert(1)">', "an event handler attribute onerror=", "onerror"),
         html_case("<script>alert(1)</script>", "a <script> element", "script"),
         html_case('<base href="https://example.org/">', "a <base> element", "base"),
         html_case('<object data="x.swf"></object>', "a <object> element", "object"),
         html_case("![remote](https://example.org/pixel.png)", "an image from another address", "remote_image")]


def step_names(log):
    """The steps a build logged as done ("  model    0.00 s" -> "model"), and its plan line ("embed:")."""
    return {line.split()[0] for line in log if line.startswith("  ") and line.split()}


@pytest.mark.parametrize("breaker", CASES, ids=[c.__name__ for c in CASES])
def test_hostile_input_is_refused_with_file_and_line(small_cached, breaker):
    content, photos, cache, out = small_cached
    good = []
    small_build(small_cached, log=good.append)
    assert {"read", "model", "embed"} <= step_names(good), good  # what a build that gets that far logs
    before = snapshot_of(out)
    path, line, words = breaker(content, photos)
    log = []
    with pytest.raises(BuildError) as caught:
        small_build(small_cached, log=log.append)
    error = caught.value
    assert (str(error.path), error.line) == (str(path), line), str(error)
    assert words in error.message, str(error)
    assert "Traceback" not in str(error)
    # refused up front: the build stopped while reading, before the model step or any embedding began
    assert not {"model", "embed", "embed:", "live", "compute"} & step_names(log), log
    assert snapshot_of(out) == before


def test_symlink_out_of_templates_is_refused_by_name(small_cached, tmp_path):
    content, photos, cache, out = small_cached
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    small_build(small_cached, templates_dir=templates)
    before = snapshot_of(out)
    secret = tmp_path / "secret.txt"
    secret.write_text("a file of the build machine")
    (templates / "assets" / "notes.txt").symlink_to(secret)
    with pytest.raises(BuildError) as caught:
        small_build(small_cached, templates_dir=templates)
    assert str(caught.value.path) == str(templates / "assets" / "notes.txt"), str(caught.value)
    assert "outside templates/" in caught.value.message
    assert snapshot_of(out) == before
    assert not any("build machine" in p.read_text(errors="replace") for p in out.rglob("*.txt"))


def test_symlink_out_of_content_is_refused_by_name(small_cached, tmp_path):
    content, photos, cache, out = small_cached
    secret = tmp_path / "secret.md"
    secret.write_text("---\nid: leak\ntitle: a file of the build machine\n---\nsecret\n")
    (content / "sections" / "99-leak.md").symlink_to(secret)
    with pytest.raises(BuildError) as caught:
        small_build(small_cached)
    assert str(caught.value.path) == str(content / "sections" / "99-leak.md"), str(caught.value)
    assert "outside content/" in caught.value.message


def test_raw_html_strip_mode_warns_and_ships_none_of_it(small_cached):
    content, photos, cache, out = small_cached
    path = content / "sections" / COSINE
    edit(content / "settings.yaml", "  raw_html: strict\n", "  raw_html: strip\n")
    edit(path, "::: similarities\n", "::: similarities\n\n"
         "<meta http-equiv=\"refresh\" content=\"3;url=https://e.org/\">\n\n"
         "Text <b>bold</b> [js](javascript:alert(1)) <iframe src=\"https://e.org/\"></iframe>"
         " <a href=\"#cosine\" onclick=\"alert(1)\">kept</a>.\n")
    lines = []
    small_build(small_cached, log=lines.append)
    warnings = [line for line in lines if line.startswith("warning:")]
    page = (out / "index.html").read_text()
    page = page[page.index('id="cosine"'):]
    page = page[:page.index("</section>")]  # the section edited (the page's head has a CSP http-equiv)
    for gone in ("http-equiv", "javascript:", "<iframe", "onclick", "e.org"):
        assert gone not in page, gone
    assert "Text <b>bold</b>" in page and '<a href="#cosine">kept</a>' in page  # what is safe stays
    meta_line = line_of(path, "<meta")
    assert any(f"{path}:{meta_line}: a <meta> element" in w for w in warnings), warnings
    assert any("javascript:" in w for w in warnings) and any("onclick" in w for w in warnings), warnings


def test_nfd_label_is_stored_as_nfc(small_cached):
    """The NFD spelling in vocabulary.txt and the NFC one in labels.yaml are one label, stored in NFC."""
    content, photos, cache, out = small_cached
    append_vocabulary(content, unicodedata.normalize("NFD", "café").encode())
    edit(content / "labels.yaml", "  - pizza\n", "  - pizza\n  - " + unicodedata.normalize("NFC", "café") + "\n")
    small_build(small_cached)
    names = (out / "data" / "label-names.json").read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", "café") in names
    assert unicodedata.normalize("NFD", "café") not in names
