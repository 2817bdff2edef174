"""A real project: the licence, third-party notices that cannot go stale, the link-preview card, and what
`make check` and `make serve` say."""
import io
import os
import re
import socket
import subprocess
import sys

import pytest
from conftest import ROOT, site_pages, small_build
from PIL import Image

from explainer import notices, write
from explainer.errors import BuildError


def test_the_code_has_an_mit_licence():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_the_repository_notices_are_current():
    assert (ROOT / notices.NOTICES_FILE).read_text() == notices.notices_text(), "run `make notices`"


def test_every_vendored_file_comes_from_a_package_with_its_notice_in_the_site(site):
    out, _ = site
    shipped = (out / notices.NOTICES_FILE).read_text()
    assert shipped == (ROOT / notices.NOTICES_FILE).read_text()
    vendored = sorted(p.name for p in (out / "vendor").iterdir())
    every = {**write.VENDOR, **(write.LIVE_VENDOR if (out / "live").exists() else {})}
    assert vendored == sorted(every.values()), "a file reached site/vendor without a VENDOR entry"
    for source in every:
        package = notices.package_of(source)
        assert re.search(rf"^### {re.escape(package)} \S+ \(", shipped, re.M), package
    assert "### vega-util " in shipped and "### d3-scale " in shipped  # bundled dependencies too
    assert "Copyright (c)" in shipped and "### torch " in shipped


def test_a_vendored_package_without_a_licence_or_lock_entry_fails(tmp_path, monkeypatch):
    node_modules = tmp_path / "node_modules"
    node_modules.mkdir()
    for package in (ROOT / "node_modules").iterdir():
        if package.name != "vega-util":
            (node_modules / package.name).symlink_to(package)
    with pytest.raises(BuildError, match="no licence file in node_modules/vega-util/"):
        notices.notices_text(ROOT, node_modules)
    monkeypatch.setitem(write.VENDOR, "left-pad/index.js", "left-pad.js")
    with pytest.raises(BuildError, match="left-pad is vendored but not in package-lock.json"):
        notices.notices_text(ROOT)


def meta(page, prop):
    match = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)">', page)
    return match and match[1]


def test_preview_card_tags_and_image(site):
    out, _ = site
    page = (out / "index.html").read_text()
    assert meta(page, "og:title") == meta(page, "twitter:title") == "CLIP, zero-shot, from the embeddings up"
    assert meta(page, "og:description").startswith("How CLIP ViT-B/32 classifies")
    assert meta(page, "og:image") == meta(page, "twitter:image") == "preview.png"  # no site_url: relative
    assert meta(page, "twitter:card") == "summary_large_image" and meta(page, "og:url") is None
    image = Image.open(io.BytesIO((out / "preview.png").read_bytes()))
    assert image.format == "PNG" and image.size == (1200, 630)
    colours = image.convert("RGB").getcolors(1_000_000)
    assert len(colours) > 50  # a drawn chart, not a blank card


def test_site_url_makes_the_card_urls_absolute(small):
    content, photos, cache, out = small
    with (content / "settings.yaml").open("a") as f:
        f.write('site_url: "https://example.org/clip/"\n')
    small_build(small)
    page = (out / "index.html").read_text()
    assert meta(page, "og:image") == meta(page, "twitter:image") == "https://example.org/clip/preview.png"
    assert meta(page, "og:url") == "https://example.org/clip/"


def test_check_says_what_it_checked_and_finds_duplicate_ids(site, tmp_path):
    out, _ = site
    result = subprocess.run([sys.executable, "-m", "explainer.check", str(out)], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 0
    assert re.search(rf"{len(site_pages(out))} page\(s\), \d+ links and resources within the site "
                     r"\(\d+ with an #anchor\), \d+ element ids checked for duplicates; 0 problem\(s\)",
                     result.stderr), result.stderr
    (tmp_path / "index.html").write_text('<!doctype html><p id="a"></p><p id="a"></p><a href="#b">x</a>')
    result = subprocess.run([sys.executable, "-m", "explainer.check", str(tmp_path)], capture_output=True,
                            text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 1
    assert "id='a': duplicate id" in result.stderr and "#b: no element with id 'b'" in result.stderr


def test_serve_reports_a_busy_port_in_one_line_before_building(small):
    content, photos, cache, out = small
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "explainer.serve", "--model", "stand-in", "--port", str(port),
                                 "--content", str(content), "--photos", str(photos), "--cache", str(cache),
                                 "--out", str(out)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 1
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert lines == [f"[serve] cannot listen on 127.0.0.1:{port}: Address already in use; choose another port "
                     "with `make serve PORT=8001`"], lines
    assert not out.exists()  # nothing was built


def test_serve_names_the_real_file_after_an_atomic_save(small):
    from test_serve import Serve
    content, photos, cache, out = small
    server = Serve(small)
    try:
        prelude = content / "sections" / "00-prelude.md"
        temporary = content / "sections" / "sedxdYALB"
        temporary.write_text(prelude.read_text().replace("An ordinary image classifier", "A saved classifier"))
        os.replace(temporary, prelude)  # what sed -i and many editors do
        line = server.wait_for("[serve] rebuilt (", 120)
        assert "changed: 00-prelude.md)" in line and "sedxdYALB" not in line, line
    finally:
        server.stop()
