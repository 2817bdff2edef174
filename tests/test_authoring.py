"""An author's mistakes: each fails the build (or warns) at the author's own file and line, in plain words,
with a "did you mean" where a near name exists; the previous site stays whole."""
import shutil

import pytest
from conftest import ROOT, copy_stand_in, link_weights, make_small_inputs, site_pages, small_build
from test_bad_input import edit, snapshot_of

from explainer.errors import BuildError
from explainer.pipeline import build

SOFTMAX, COSINE, WHY = "04-softmax.md", "03-cosine.md", "29-why.md"
# the line of the first `::: predictions`, read from the content so prose edits above it do not break the test
PREDICTIONS_LINE = (ROOT / "content" / "sections" / SOFTMAX).read_text().splitlines().index("::: predictions") + 1


def line_of(path, text):
    """The 1-based line of the first line containing text."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def section(content, name):
    return content / "sections" / name


# Most mistakes are one line changed in one file; the error must point at the changed line.
# (case id, file under content/, text before, text after, a piece of the changed line, words in the message)
ONE_LINE_EDITS = [
    ("widget_with_word", f"sections/{SOFTMAX}", "::: predictions", "::: widget predictions", "::: widget predictions",
     ["a widget line is '::: name'", "did you mean '::: predictions'?"]),
    ("widget_capitalised", f"sections/{SOFTMAX}", "::: predictions", "::: Predictions", "::: Predictions",
     ["unknown widget 'Predictions'", "lowercase", "did you mean 'predictions'?"]),
    ("widget_extra_word", f"sections/{SOFTMAX}", "::: temperature\n", "::: temperature extra\n",
     "::: temperature extra", ["'::: temperature extra'", "did you mean '::: temperature'?"]),
    ("widget_misspelt", f"sections/{SOFTMAX}", "::: predictions", "::: predictionz", "::: predictionz",
     ["unknown widget 'predictionz'; did you mean 'predictions'?", "crowding"]),
    ("maths_unknown_macro", f"sections/{SOFTMAX}", r"by a temperature $\tau$", r"by a temperature $\taux$", r"$\taux$",
     [r"cannot typeset $\taux$: unknown command \taux; did you mean \tau?"]),
    ("maths_unclosed_dollar", f"sections/{SOFTMAX}", "::: temperature\n", "Each step costs $5.\n\n::: temperature\n",
     "costs $5", ["a $ is never closed"]),
    ("maths_dollar_swallowed", f"sections/{SOFTMAX}", r"similarity $s_i$ by", r"similarity $s_i by",
     r"similarity $s_i by", ["$ inside the maths"]),
    ("maths_unbalanced_brace", f"sections/{SOFTMAX}", r"$e^{5} \approx 148$", r"$e^{5 \approx 148$", r"$e^{5 \approx",
     [r"cannot typeset $e^{5 \approx 148$: 1 opening brace { not closed"]),
    ("maths_extra_brace", f"sections/{SOFTMAX}", r"$e^{5} \approx 148$", r"$e^{5}} \approx 148$", r"$e^{5}}",
     ["a closing brace } has no opening brace {"]),
    ("maths_double_superscript", f"sections/{SOFTMAX}", r"$e^{5} \approx 148$", r"$e^^{5} \approx 148$", r"$e^^{5}",
     ["cannot typeset $e^^{5} \\approx 148$: empty superscript"]),
    ("maths_empty_subscript", f"sections/{SOFTMAX}", r"similarity $s_i$ by", r"similarity $s_{}$ by", r"$s_{}$",
     ["cannot typeset $s_{}$: empty subscript"]),
    ("maths_missing_argument", f"sections/{SOFTMAX}", r"\frac{\exp(s_i / \tau)}{\sum_{j} \exp(s_j / \tau)}",
     r"\frac{\exp(s_i / \tau)}", r"$$p_i = \frac", [r"\frac takes 2 arguments in braces, found 1"]),
    ("unknown_placeholder", "sections/30-shared-space.md", "{{ photos.count }}", "{{ photo.count }}",
     "{{ photo.count }}",
     ["unknown placeholder '{{ photo.count }}'; did you mean {{ photos.count }}?"]),
    ("label_case_duplicate", "labels.yaml", "  - pizza\n", "  - Cat\n", "- Cat",
     ["duplicate label 'Cat': 'cat' is already on line 4 (labels are compared ignoring case)"]),
    ("label_misspelt", "labels.yaml", "  - pizza\n", "  - pizzza\n", "- pizzza",
     ["label 'pizzza' is not in content/vocabulary.txt", "did you mean 'pizza'?"]),
    ("default_photo_typo", "settings.yaml", "default_photo: cat", "default_photo: cta", "default_photo: cta",
     ["default_photo 'cta' is not an id in photos/photos.yaml; did you mean 'cat'?"]),
    ("default_template_typo", "settings.yaml", "default_template: photo", "default_template: phot",
     "default_template: phot", ["default_template 'phot' is not an id", "did you mean 'photo'?"]),
    ("anchor_typo", "sections/50-myths.md", "](#text-encoder)", "](#sofmax)", "](#sofmax)",
     ["no element with id 'sofmax'; did you mean '#softmax'?", "probabilities-figure"]),
]


def one_line_edit(name, file, before, after, marker):
    def breaker(content, photos):
        path = content / file
        edit(path, before, after)
        return path, line_of(path, marker)
    breaker.__name__ = name
    return breaker


# The rest need more than one line changed, or point at a line other than the changed one.
def widget_empty(content, photos):
    edit(section(content, SOFTMAX), "::: predictions", ":::")
    return section(content, SOFTMAX), section(content, SOFTMAX).read_text().splitlines().index(":::") + 1


def widget_twice(content, photos):
    path = section(content, WHY)
    path.write_text(path.read_text() + "\nOnce more:\n\n::: predictions\n")
    return path, len(path.read_text().splitlines())


def front_matter_unclosed(content, photos):
    edit(section(content, COSINE), 'title: "Cosine similarity: the one operation that matters"\n---\n',
         'title: "Cosine similarity: the one operation that matters"\n')
    return section(content, COSINE), 1


def front_matter_key_typo(content, photos):
    edit(section(content, COSINE), "kicker: Step 3\n", "kicket: Step 3\n")
    return section(content, COSINE), 3


def duplicate_section_id(content, photos):
    edit(section(content, WHY), "id: why-it-works", "id: cosine")
    return section(content, WHY), 2


def photo_unreadable(content, photos):
    (photos / "coins.png").write_bytes(b"not a png at all")
    return photos / "photos.yaml", line_of(photos / "photos.yaml", "file: coins.png")


def photo_alt_empty(content, photos):
    edit(photos / "photos.yaml",
         "  alt: A tabby cat with green eyes lying on a wooden floor, looking slightly to the side.", '  alt: ""')
    return photos / "photos.yaml", line_of(photos / "photos.yaml", 'alt: ""')


def bad_site_url(content, photos):
    path = content / "settings.yaml"
    path.write_text(path.read_text() + "site_url: example.org/clip\n")
    return path, len(path.read_text().splitlines())


CASES = [(one_line_edit(*case[:5]), case[5]) for case in ONE_LINE_EDITS] + [
    (widget_empty, ["a widget line needs a name"]),
    (widget_twice, ["widget 'predictions' may appear only once", "already placed at", f"{SOFTMAX}:{PREDICTIONS_LINE}"]),
    (front_matter_unclosed, ["front matter that starts on line 1 is never closed"]),
    (front_matter_key_typo, ["unknown key 'kicket' in front matter; did you mean 'kicker'?"]),
    (duplicate_section_id, ["section id 'cosine' is already the id of", COSINE]),
    (photo_unreadable, ["photo file 'coins.png' (id 'coins'): cannot read image"]),
    (photo_alt_empty, ["'alt' in photo record is empty"]),
    (bad_site_url, ["site_url 'example.org/clip' must be an absolute http(s) URL"]),
]


@pytest.fixture(scope="module")
def filled_cache(tmp_path_factory, stand_in):
    """An embedding cache filled by one small build, so that each case below embeds nothing."""
    folder = tmp_path_factory.mktemp("authoring")
    content, photos = make_small_inputs(folder)
    cache = folder / "cache"
    copy_stand_in(stand_in, cache)
    small_build((content, photos, cache, folder / "site"))
    return cache


@pytest.fixture
def small_cached(small, filled_cache):
    content, photos, cache, out = small
    shutil.rmtree(cache)
    shutil.copytree(filled_cache, cache, copy_function=link_weights)
    return small


@pytest.mark.parametrize("breaker, words", CASES, ids=[c[0].__name__ for c in CASES])
def test_each_mistake_names_file_line_and_a_fix(small_cached, breaker, words):
    small = small_cached
    content, photos, cache, out = small
    small_build(small)
    before = snapshot_of(out)
    path, line = breaker(content, photos)
    with pytest.raises(BuildError) as caught:
        small_build(small)
    error = caught.value
    assert (error.path, error.line) == (path, line), str(error)
    for word in words:
        assert word in error.message, f"{word!r} not in {error.message!r}"
    assert "\\\\" not in error.message  # snippets as written: single backslashes
    assert snapshot_of(out) == before


def test_an_image_without_a_record_is_a_warning_naming_it(small_cached):
    content, photos, cache, out = small_cached
    shutil.copy(photos / "cat.png", photos / "forgotten.png")
    (photos / "notes.txt").write_text("not an image: no warning")
    lines = []
    build("stand-in", out, content_dir=content, photos_dir=photos, cache_dir=cache, log=lines.append)
    warnings = [line for line in lines if line.startswith("warning:")]
    assert len(warnings) == 1, lines
    assert f"{photos / 'forgotten.png'}: image has no record in photos/photos.yaml" in warnings[0]


def test_widget_ids_are_unique_on_the_built_page(site):
    from explainer.check import broken_references
    out, _ = site
    counts = {}
    assert broken_references(out, counts) == []
    assert counts["pages"] == len(site_pages(out)) >= 2 and counts["ids"] > 50 and counts["anchors"] >= 1
