"""The bench's Lighthouse server gzips text when asked, serves the same bytes otherwise, and index.html at /."""
import gzip
import importlib.util
import urllib.request

from conftest import ROOT


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "bench" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gzip_server(tmp_path):
    bench = load_bench()
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>" + "hello " * 500)
    (tmp_path / "a.avif").write_bytes(b"\0avif" * 100)
    with bench.serve_gzip(tmp_path) as url:
        plain = urllib.request.urlopen(url).read()
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert response.headers["Content-Type"].startswith("text/html")
            assert gzip.decompress(response.read()) == plain == (tmp_path / "index.html").read_bytes()
        with urllib.request.urlopen(urllib.request.Request(url + "a.avif", headers={"Accept-Encoding": "gzip"})) as r:
            assert r.headers["Content-Type"] == "image/avif" and r.headers["Content-Encoding"] is None
            assert r.read() == (tmp_path / "a.avif").read_bytes()
