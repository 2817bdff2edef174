"""Hostile or malformed input, from the URL or typed, falls back with a notice and is only ever shown as
text: no script runs, no element is injected."""
import json
import os
import struct
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from browser import CHROMIUM, FLAGS, Watcher, add_label, check_numbers

HOSTILE = [
    ("#photo=unicorn", "No photo called"),
    ("#template=%3Cscript%3E", "No template called"),
    ("#tau=abc", "is not a temperature"),
    ("#tau=1e9", "is outside"),
    ("#tau=-1", "is not a temperature"),
    ("#label=notaword&label=cat", "not in the vocabulary"),
    ("#label=" + quote("<img src=x onerror=alert(1)>"), "not in the vocabulary"),
    ("#label=" + quote('"><script>alert(1)</script>'), "not in the vocabulary"),
    ("#label=javascript:alert(1)", "not in the vocabulary"),
    ("#label=" + "x" * 10000, "longer than 64 characters"),
    ("#label=cat&label=" + "y" * 70000, "too long"),
    ("#" + "%E0%A4%A&&&==;;" * 50, None),
]


@pytest.mark.parametrize("fragment, words", HOSTILE, ids=[str(i) for i in range(len(HOSTILE))])
def test_malformed_or_hostile_urls_fall_back_with_a_notice(open_page, server, fragment, words):
    page, watcher = open_page(fragment)
    view = check_numbers(page, server[2])
    if words:
        assert words in view["notice"]
    # a link's label outside the vocabulary is a 404 of its label file: expected, and said in the notice
    watcher.problems = [p for p in watcher.problems if not (p.startswith("HTTP 404") and "/data/labels/" in p)
                        and "status of 404" not in p]
    assert page.evaluate("document.querySelectorAll('img[src=x], #explainer script').length") == 0


@pytest.mark.parametrize("payload", ["<img src=x onerror=alert(1)>", '"><script>alert(1)</script>',
                                     "javascript:alert(1)", "x" * 10000])
def test_hostile_labels_are_refused_as_text(open_page, server, payload):
    page, _ = open_page()
    add_label(page, payload)
    page.locator("#add-label-status").get_by_text("is not in the vocabulary").wait_for(timeout=5000)
    assert page.locator("#add-label-status img, #add-label-status script").count() == 0
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    check_numbers(page, server[2])


def notice_of(page):
    return page.text_content("#view-notice")


def test_a_link_reads_at_most_50_live_labels(open_page, server):
    """1,000 live= labels: 50 are read (the link's cap, and live mode would run the text tower for each), the
    rest left out with a notice."""
    page, watcher = open_page("#" + "&".join(f"live=word{i}" for i in range(1000)))
    page.locator("#view-notice", has_text="only the first 50 are read").wait_for(timeout=15000)
    assert "The link has 1000 labels" in notice_of(page)
    assert len(page_labels(page)) == 50


def test_a_link_reads_at_most_the_settings_number_of_labels(open_page, server):
    """A link of 60 vocabulary labels: the first 50 (settings.yaml's limits.link_labels) are read and fetched,
    the rest left out with a notice; no request for a label file past the cap."""
    names = json.loads((server[2].out / "data" / "label-names.json").read_text())
    words = list({w.lower(): w for w in names if w.isalpha() and w.islower()}.values())[:60]
    page, watcher = open_page("#" + "&".join(f"label={w}" for w in words))
    page.locator("#view-notice", has_text="only the first 50 are read").wait_for(timeout=15000)
    assert "The link has 60 labels" in notice_of(page)
    assert page_labels(page) == words[:50]
    page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=60000)
    fetched = {u for _, u, _ in watcher.requests if "/data/labels/" in u}
    assert 0 < len(fetched) <= 50


def test_notices_say_what_happened_to_each_label(open_page, server):
    # a vocabulary label has 64 characters at most, a live text 300 (the model reads 77 tokens of it; #22)
    page, _ = open_page("#label=cat&label=CAT&label=" + "z" * 65 + "&live=" + "w" * 301 + "&label=dog")
    notice = notice_of(page)
    assert "repeats another, ignoring case" in notice
    assert "“\u2068CAT\u2069” (same as “\u2068cat\u2069”)" in notice
    assert "2 labels in the link are longer than 64 characters" in notice
    assert "not in the vocabulary" not in notice  # nothing here was unknown: no wrong reason given
    assert page_labels(page) == ["cat", "dog"]


def page_labels(page):
    return page.evaluate("[...document.querySelectorAll('#label-rows [data-label]')].map((r) => r.dataset.label)")


def test_reader_text_in_a_notice_is_isolated(open_page, server):
    """A right-to-left override in photo= cannot reverse the rest of the notice: the reader's text loses its
    bidi controls and sits in an isolate (FSI ... PDI), as <bdi> would put it."""
    page, _ = open_page("#photo=" + quote("abc\u202Edef\u2069ghi"))
    notice = notice_of(page)
    assert "No photo called “\u2068abcdefghi\u2069”; showing the default photo." in notice, repr(notice)
    assert not any(ch in notice for ch in "\u202a\u202b\u202c\u202d\u202e")


def huge_png(path, width=20000, height=20000):
    """A valid width x height black PNG of ~1 MB, written a row at a time (never whole in memory)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    packer, row, parts = zlib.compressobj(9), b"\0" * (1 + 3 * width), []
    for _ in range(height):
        parts.append(packer.compress(row))
    parts.append(packer.flush())
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b""))
    return path


def chromium_peaks():
    """{pid: peak resident bytes (VmHWM)} of every Chromium process below this test process."""
    parents, names = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            parents[int(entry.name)] = int(fields["PPid"])
            names[int(entry.name)] = (fields["Name"].strip(), fields.get("VmHWM", "0 kB").split()[0])
    mine, frontier = set(), {os.getpid()}
    for _ in range(20):  # bounded: process trees are shallow
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - mine
        mine |= frontier
    return {pid: int(names[pid][1]) * 1024 for pid in mine if "chrom" in names[pid][0].lower()}


def test_a_20000_pixel_square_own_photo_is_refused_before_decoding(server, tmp_path):
    """Refused with a sentence, before live mode starts or the photo is decoded: Chromium stays under 1.5 GB."""
    shared, url, _ = server
    path = huge_png(tmp_path / "huge.png")
    before = set(chromium_peaks())
    browser = shared.browser_type.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
    try:  # a browser of its own: the peak of its processes (each one's peak, summed: an upper bound) is this test's
        page = browser.new_page()
        watcher = Watcher(page, url)
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
        page.set_input_files("[data-testid=own-photo-input]", str(path))
        page.locator("#own-photo-status", has_text="20000 × 20000 pixels, more than this page can decode").wait_for(
            timeout=30000)
        page.wait_for_timeout(1000)  # anything still running would show in the peak
        peak = sum(bytes for pid, bytes in chromium_peaks().items() if pid not in before)
        towers = [u for _, u, _ in watcher.requests if "/live/" in u and "/assets/" not in u]
        assert not towers, towers  # live mode was not even started: no manifest, no tower
        watcher.check()
    finally:
        browser.close()
    print(f"Chromium peak with a 20000 x 20000 own photo: {peak / 2**20:.0f} MiB")
    assert 0 < peak < 1.5 * 2**30, peak


def test_image_size_is_read_from_the_header(tmp_path):
    """templates/assets/ui/imagesize.js against Pillow, for every format the page accepts (in Node)."""
    import json
    import subprocess

    from PIL import Image
    image = Image.open(Path(__file__).parent.parent / "photos" / "cat.png").convert("RGB").resize((333, 217))
    files = {}
    for name, fmt, options in (("a.png", "PNG", {}), ("a.gif", "GIF", {}), ("a.bmp", "BMP", {}),
                               ("lossless.webp", "WEBP", {"lossless": True}), ("lossy.webp", "WEBP", {}),
                               ("a.avif", "AVIF", {}), ("progressive.jpg", "JPEG", {"progressive": True}),
                               ("exif.jpg", "JPEG", {"exif": b"Exif\0\0" + b"\0" * 60000})):
        image.save(tmp_path / name, fmt, **options)
        files[name] = [333, 217]
    (tmp_path / "notes.txt").write_text("not an image")
    files["notes.txt"] = None
    huge_png(tmp_path / "huge.png", 20000, 20000)
    files["huge.png"] = [20000, 20000]
    module = Path(__file__).parent.parent / "templates" / "assets" / "ui" / "imagesize.js"
    script = f"""
import {{ imageSize }} from '{module}';
import {{ readFileSync }} from 'fs';
const out = {{}};
for (const name of process.argv.slice(1)) out[name] = imageSize(new Uint8Array(readFileSync('{tmp_path}/' + name)));
console.log(JSON.stringify(out));
"""
    result = subprocess.run(["node", "--input-type=module", "-e", script, *files], capture_output=True, text=True,
                            timeout=60)
    assert json.loads(result.stdout) == files, result.stderr
