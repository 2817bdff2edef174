"""The one static server (explainer/staticserver.py): its content types, gzip on request, and bad paths."""
import gzip
import mimetypes
import urllib.error
import urllib.request

from explainer.staticserver import CONTENT_TYPES, serve


def fetch(url, **headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, b""


def test_content_types_do_not_depend_on_the_machine(tmp_path, monkeypatch):
    monkeypatch.setattr(mimetypes, "guess_type", lambda *args, **kwargs: (None, None))  # a bare machine
    expected = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
                ".json": "application/json", ".onnx": "application/octet-stream", ".svg": "image/svg+xml",
                ".avif": "image/avif", ".webp": "image/webp", ".png": "image/png", ".jpg": "image/jpeg",
                ".html": "text/html", ".css": "text/css", ".md": "text/markdown"}
    assert {ext: CONTENT_TYPES[ext] for ext in expected} == expected
    for ext in expected:
        (tmp_path / f"f{ext}").write_bytes(b"x")
    with serve(tmp_path) as url:
        for ext, kind in expected.items():
            status, headers, body = fetch(url + f"f{ext}")
            assert (status, headers["Content-Type"].split(";")[0], body) == (200, kind, b"x"), ext


def test_gzip_when_asked_for_text_only(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>" + "hello " * 500)
    (tmp_path / "a.avif").write_bytes(b"\0avif" * 100)
    with serve(tmp_path, gzip=True) as url:
        _, _, plain = fetch(url)
        status, headers, body = fetch(url, **{"Accept-Encoding": "gzip"})
        assert headers["Content-Encoding"] == "gzip" and headers["Content-Type"].startswith("text/html")
        assert gzip.decompress(body) == plain == (tmp_path / "index.html").read_bytes()
        status, headers, body = fetch(url + "a.avif", **{"Accept-Encoding": "gzip"})
        assert headers["Content-Type"] == "image/avif" and headers["Content-Encoding"] is None
        assert body == (tmp_path / "a.avif").read_bytes()
    with serve(tmp_path) as url:  # without gzip=True, never
        assert fetch(url, **{"Accept-Encoding": "gzip"})[1]["Content-Encoding"] is None


def test_bad_paths_are_400_or_404_and_print_nothing(tmp_path, capsys):
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>")
    (tmp_path.parent / "secret.txt").write_text("outside")
    with serve(tmp_path) as url:
        for path, expected in (("%00", 400), ("a%00.js", 400), ("x" * 300, 404), ("a/" + "b" * 256, 404),
                               ("../secret.txt", 404), ("%2e%2e/secret.txt", 404), ("missing.js", 404)):
            assert fetch(url + path)[0] == expected, path
        assert fetch(url)[0] == 200
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out, captured.err
