"""`make serve`: a prose edit rebuilds with no model call and the open tab reloads by itself; a broken
file shows its error in the browser while the server stays up; the next good save recovers."""
import queue
import re
import subprocess
import sys
import threading
import urllib.request

import pytest

from browser import Watcher, chromium
from conftest import ROOT


class Serve:
    def __init__(self, small):
        content, photos, cache, out = small
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "explainer.serve", "--model", "stand-in", "--port", "0", "--content",
             str(content), "--photos", str(photos), "--cache", str(cache), "--out", str(out), "--no-live"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.proc.stdout], daemon=True).start()
        self.url = re.search(r"(http://127\.0\.0\.1:\d+/)", self.wait_for("[serve] http://", 120))[1]

    def wait_for(self, text, timeout=60):
        """The next output line containing text (bounded by timeout seconds)."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"serve never printed {text!r}") from None
            if text in line:
                return line

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def serve(small):
    server = Serve(small)
    yield server, small
    server.stop()


def test_prose_edit_rebuilds_without_model_calls_and_reloads_the_tab(serve):
    server, (content, *_ ) = serve
    with urllib.request.urlopen(server.url, timeout=10) as response:
        assert b'src="/__reload__.js"' in response.read()
    with chromium() as browser:
        page = browser.new_page()
        watcher = Watcher(page, server.url)
        page.goto(server.url)
        page.wait_for_selector("body[data-ready=true]", timeout=15000)

        prelude = content / "sections" / "00-prelude.md"
        prelude.write_text(prelude.read_text().replace("An ordinary image classifier", "A freshly edited classifier"))
        line = server.wait_for("[serve] rebuilt (changed: 00-prelude.md)")
        assert "model calls: 0 forward passes, 0 texts" in line
        page.get_by_text("A freshly edited classifier").wait_for(timeout=20000)
        page.wait_for_selector("body[data-ready=true]", timeout=15000)

        good = prelude.read_text()
        prelude.write_text(good.replace("title: The zero-shot idea", "title: [The zero-shot idea"))
        server.wait_for("[serve] build failed")
        page.wait_for_selector("#build-error", timeout=20000)
        assert re.search(r"00-prelude\.md:\d+: malformed YAML", page.text_content("#build-error"))
        assert server.proc.poll() is None  # still serving

        prelude.write_text(good)
        server.wait_for("[serve] rebuilt")
        page.wait_for_selector("body[data-ready=true]", timeout=20000)
        assert "A freshly edited classifier" in page.text_content("#prelude")
        expected = ("500 (Internal Server Error)", f"HTTP 500: {server.url}")  # the error page itself
        watcher.problems = [p for p in watcher.problems if not any(e in p for e in expected)]
        watcher.check()


def test_wasm_and_module_scripts_get_their_content_types(tmp_path, monkeypatch):
    """Browsers compile .wasm only as application/wasm and run an .mjs module only as JavaScript, whatever
    the machine's /etc/mime.types says (live mode's runtime is both)."""
    import functools
    import http.server
    import mimetypes
    from explainer.serve import Builds, handler_for
    monkeypatch.setattr(mimetypes, "guess_type", lambda *args, **kwargs: (None, None))  # a bare machine
    (tmp_path / "ort.wasm").write_bytes(b"\0asm")
    (tmp_path / "ort.mjs").write_text("export {};")
    handler = functools.partial(handler_for(Builds("stand-in", tmp_path, {})), directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        for name, expected in (("ort.wasm", "application/wasm"), ("ort.mjs", "text/javascript")):
            with urllib.request.urlopen(base + name, timeout=10) as response:
                assert response.headers["Content-Type"] == expected
    finally:
        server.shutdown()
        server.server_close()
