"""The bench's Lighthouse server gzips text when asked, serves the same bytes otherwise, and index.html at /."""
import gzip
import urllib.request

from bench.phone import serve_gzip


def test_gzip_server(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>" + "hello " * 500)
    (tmp_path / "a.avif").write_bytes(b"\0avif" * 100)
    with serve_gzip(tmp_path) as url:
        plain = urllib.request.urlopen(url).read()
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert response.headers["Content-Type"].startswith("text/html")
            assert gzip.decompress(response.read()) == plain == (tmp_path / "index.html").read_bytes()
        with urllib.request.urlopen(urllib.request.Request(url + "a.avif", headers={"Accept-Encoding": "gzip"})) as r:
            assert r.headers["Content-Type"] == "image/avif" and r.headers["Content-Encoding"] is None
            assert r.read() == (tmp_path / "a.avif").read_bytes()
