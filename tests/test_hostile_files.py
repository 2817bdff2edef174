"""Hostile inputs (issue 30), the photos and the addresses: colour profiles and odd shapes, images from the site
only, links resolved inside the site, ids matched whole. The rest is in tests/test_hostile_inputs.py."""
import io

import pytest
from conftest import ROOT, small_build
from PIL import Image, ImageCms
from test_authoring import filled_cache, small_cached  # noqa: F401  (fixtures: a filled embedding cache)
from test_bad_input import edit
from test_hostile_inputs import COSINE, inputs, line_of, refused  # noqa: F401  (inputs: a fixture)

from explainer.check import broken_references, check_prose_links
from explainer.content import Section, read_content
from explainer.errors import BuildError
from explainer.markup import (
    html_problems,
    url_problem,
)
from explainer.photos import MAX_ASPECT, MAX_PROFILE_BYTES, open_photo
from explainer.write import write_photos

# ---- 8: photos' colour profiles and size ------------------------------------------------------------

def big_profile():
    """A valid RGB profile (Display P3-like primaries) padded to 10 MB with a private tag's worth of bytes."""
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return srgb + b"\0" * 10_000_000


@pytest.mark.parametrize("fmt, suffix", [("JPEG", "jpg"), ("TIFF", "tif"), ("WEBP", "webp")])
def test_a_large_colour_profile_reaches_no_encoded_photo(tmp_path, fmt, suffix):
    path = tmp_path / f"big.{suffix}"
    Image.new("RGB", (900, 600), (180, 60, 40)).save(path, fmt, icc_profile=big_profile())
    image = open_photo(path)
    assert "icc_profile" not in image.info and "exif" not in image.info
    for encoder in ("AVIF", "WEBP", "JPEG"):
        out = io.BytesIO()
        image.resize((640, 427)).save(out, encoder)
        assert len(out.getvalue()) < 200_000, encoder  # the pixels' bytes, not 10 MB of profile


def test_every_encoded_form_of_a_photo_with_a_large_profile_is_small(tmp_path):
    """The site's files (write_photos: JPEG, AVIF, WebP at every width) of a photo whose 10 MB profile once went
    into each AVIF: each is bounded by its pixels, none carries the profile."""
    path = tmp_path / "big.jpg"
    noise = Image.effect_noise((1200, 800), 60).convert("RGB")  # the costliest pixels to encode
    noise.save(path, "JPEG", icc_profile=big_profile())

    class Photo:
        id, image = "big", open_photo(path)
    site = tmp_path / "site"
    write_photos(site, [Photo])
    written = sorted(site.glob("big-*"))
    assert {p.suffix for p in written} >= {".jpg", ".webp"}
    for file in written:
        assert file.stat().st_size < 400_000, file  # 640 x 427 at most; 10 MB with the profile
        assert b"ICC_PROFILE" not in file.read_bytes() and b"acsp" not in file.read_bytes(), file


def test_a_small_rgb_profile_is_kept_and_exif_dropped(tmp_path):
    rocket = open_photo(ROOT / "photos" / "rocket.jpg")  # Adobe RGB (1998), 560 bytes: browsers show it right
    assert 0 < len(rocket.info["icc_profile"]) <= MAX_PROFILE_BYTES
    assert set(rocket.info) == {"icc_profile"}
    exif = Image.Exif()
    exif[0x8825] = {2: (1.0, 2.0, 3.0)}  # GPS: where the photo was taken
    path = tmp_path / "gps.jpg"
    Image.new("RGB", (60, 40), (1, 2, 3)).save(path, exif=exif)
    assert "exif" not in open_photo(path).info


def test_an_mpo_is_its_first_frame_and_extreme_shapes_are_refused(tmp_path):
    first, second = Image.new("RGB", (90, 60), (250, 0, 0)), Image.new("RGB", (90, 60), (0, 0, 250))
    path = tmp_path / "phone.jpg"
    first.save(path, "MPO", save_all=True, append_images=[second])
    assert Image.open(path).format == "MPO" and Image.open(path).n_frames == 2
    r, g, b = open_photo(path).getpixel((10, 10))
    assert r > 200 and b < 50
    for size in ((MAX_ASPECT * 100 + 1, 100), (20, MAX_ASPECT * 20 + 1)):
        tall = tmp_path / f"{size[0]}x{size[1]}.png"
        Image.new("RGB", size).save(tall)
        with pytest.raises(BuildError, match="crop it first"):
            open_photo(tall)


# ---- 12: images from the site only; links resolved inside the site ----------------------------------

@pytest.mark.parametrize("src", ["/\\evil.example/p.png", "\\\\evil.example/p.png", "\\/evil.example/p.png",
                                 "/%5Cevil.example/p.png", "%2F%2Fevil.example/p.png", "/\t/evil.example/p.png",
                                 " //evil.example/p.png", "%68ttps://evil.example/p.png", "/%252F/evil.example/p.png"])
def test_images_that_a_browser_reads_as_another_host_are_refused(src):
    assert url_problem("img", "src", src), src


@pytest.mark.parametrize("markup", ['<img src="/&#x5C;evil.example/p.png">', '<img src="&#47;&#47;evil.example/p">',
                                    "![x](/%5Cevil.example/p.png)", '<img src="/\\evil.example/p.png">'])
def test_html_problems_sees_encoded_image_hosts(markup):
    assert any("another address" in problem for _, problem in html_problems(f"Text.\n\n{markup}\n"))


def test_images_of_the_site_pass():
    for src in ("photos/cat-640.jpg", "/photos/cat.jpg", "./assets/a.svg", "assets/a%20b.png"):
        assert url_problem("img", "src", src) is None, src


@pytest.mark.parametrize("link, words", [
    ("/etc/passwd", "leads out of the site"), ("../../../../etc/passwd", "leads out of the site"),
    ("%2e%2e/%2e%2e/%2e%2e/etc/hostname", "leads out of the site"), ("OUTSIDE#secret-id", "leads out of the site"),
    ("..\\..\\etc\\passwd", "leads out of the site"), ("nowhere.html#x", "no such file"),
])
def test_prose_links_are_resolved_inside_the_site_only(tmp_path, link, words):
    site = tmp_path / "deep" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text('<p id="here">x</p>')
    outside = tmp_path / "outside.html"
    outside.write_text('<p id="secret-id">a file of the machine</p>')
    link = link.replace("OUTSIDE", str(outside))
    section = Section("x", "X", "", f"Intro.\n\nSee [a]({link}).\n", tmp_path / "x.md", 5)
    with pytest.raises(BuildError) as caught:
        check_prose_links(site, [section])
    assert words in caught.value.message and caught.value.line == 7
    assert "no element with id" not in caught.value.message  # the outside file was never parsed for its ids
    check_prose_links(site, [Section("x", "X", "", "[ok](index.html#here)\n", tmp_path / "x.md", 5)])


def test_the_sites_link_check_reports_paths_that_leave_it(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text('<a href="/etc/passwd">a</a><a href="../../etc/hostname">b</a>'
                                     '<img src="%2e%2e/%2e%2e/x.png"><a href="#top">c</a><p id="top"></p>')
    assert {ref for _, ref, _ in broken_references(site)} == {"/etc/passwd", "../../etc/hostname",
                                                              "%2e%2e/%2e%2e/x.png"}


# ---- 13: ids match whole ----------------------------------------------------------------------------

@pytest.mark.parametrize("where, old, new", [
    ("photos", "- id: coins\n", '- id: "coins\\n"\n'),
    ("photos", "- id: coins\n", '- id: "coins\\n\\n"\n'),
    ("templates", "- id: blurry\n", '- id: "blurry\\n"\n'),
    ("section", "id: cosine\n", 'id: "cosine\\n"\n'),
])
def test_an_id_with_a_trailing_newline_is_refused(inputs, where, old, new):
    content, photos = inputs
    path = {"photos": photos / "photos.yaml", "templates": content / "templates.yaml",
            "section": content / "sections" / COSINE}[where]
    edit(path, old, new)
    refused(inputs, path, line_of(path, new.strip()), "lowercase letters, digits and -")


def test_a_figure_name_with_a_trailing_newline_is_refused(inputs):
    content, _ = inputs
    path = content / "figures.yaml"
    edit(path, "{name: photos,", '{name: "photos\\n",')
    with pytest.raises(BuildError, match="must be unique, lowercase letters") as caught:
        read_content(*inputs)
    assert caught.value.path == path


# ---- a link's data-add-labels: vocabulary labels, clean ----------------------------------------------

@pytest.mark.parametrize("labels, words", [("kitten|no such label here", "not in content/vocabulary.txt"),
                                            ("kit\u200bten", "invisible character"),
                                            ("constructor", "object's own member")])
def test_a_links_added_labels_are_vocabulary_labels(inputs, labels, words):
    content, _ = inputs
    path = content / "sections" / "50-myths.md"
    edit(path, 'data-add-labels="kitten|tabby cat"', f'data-add-labels="{labels}"')
    refused(inputs, path, line_of(path, "data-add-labels"), words)


@pytest.mark.parametrize("section_id", ["tokens", "gap", "matrix"])
def test_a_section_id_that_is_a_figures_id_is_refused(small_cached, section_id):
    """A section's id beside a figure's one name would give the page two elements with one id."""
    content, photos, cache, out = small_cached
    path = content / "sections" / "60-beyond.md"
    edit(path, "id: beyond", f"id: {section_id}")
    with pytest.raises(BuildError) as caught:
        small_build(small_cached)
    assert (caught.value.path, caught.value.line) == (path, 2) and "also the id of" in caught.value.message
