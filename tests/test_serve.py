"""`make serve`: a prose edit rebuilds with no model call and the open tab reloads by itself; a broken
file shows its error in the browser while the server stays up; the next good save recovers."""
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.error
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
    import mimetypes
    from explainer.serve import Builds, handler_for
    from explainer.staticserver import make_server
    monkeypatch.setattr(mimetypes, "guess_type", lambda *args, **kwargs: (None, None))  # a bare machine
    (tmp_path / "ort.wasm").write_bytes(b"\0asm")
    (tmp_path / "ort.mjs").write_text("export {};")
    server = make_server(tmp_path, handler_for(Builds("stand-in", tmp_path, {})))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        for name, expected in (("ort.wasm", "application/wasm"), ("ort.mjs", "text/javascript")):
            with urllib.request.urlopen(base + name, timeout=10) as response:
                assert response.headers["Content-Type"] == expected
    finally:
        server.shutdown()
        server.server_close()


def test_no_request_sees_a_missing_file_while_serve_rebuilds(serve):
    """A bounded request loop over files present before and after a rebuild: every answer is a 200 (the
    server reads a finished build's hard-linked copy, never the folder being rebuilt)."""
    server, (content, *_ ) = serve
    out = serve_out(serve)
    files = ["", "assets/page.js"] + [f"data/labels/{p.name}" for p in sorted((out / "data" / "labels").iterdir())[:6]]
    prelude = content / "sections" / "00-prelude.md"
    statuses, rebuilt = {}, False
    for edit in range(2):  # two rebuilds: the second removes the copy the first served
        prelude.write_text(prelude.read_text().replace("An ordinary image classifier", f"Edit {edit}: a classifier"))
        for _ in range(3000):  # bounded: a rebuild takes seconds; stop once it is reported
            for name in files:
                try:
                    with urllib.request.urlopen(server.url + name, timeout=10) as response:
                        status = response.status
                except urllib.error.HTTPError as error:
                    status = error.code
                statuses[status] = statuses.get(status, 0) + 1
            if any("[serve] rebuilt" in line for line in drain(server)):
                rebuilt = True
                break
    assert rebuilt, "serve never reported the rebuild"
    assert set(statuses) == {200}, statuses
    assert sum(statuses.values()) > 2 * len(files)  # the loop really ran during the rebuilds


def drain(server):
    """The lines serve has printed since last asked (without waiting)."""
    lines = []
    while not server.lines.empty():
        lines.append(server.lines.get_nowait())
    return lines


def serve_out(serve):
    return serve[1][3]


def test_bad_paths_answer_400_or_404_without_a_traceback(serve):
    server, _ = serve
    drain(server)
    for path, expected in (("%00", 400), ("a%00b.json", 400), ("x" * 300, 404), ("data/" + "y" * 256 + ".json", 404),
                           ("../../etc/passwd", 404), ("nothing-here.html", 404)):
        try:
            urllib.request.urlopen(server.url + path, timeout=10)
            status = 200
        except urllib.error.HTTPError as error:
            status = error.code
        assert status == expected, (path, status)
    with urllib.request.urlopen(server.url, timeout=10) as response:  # and it still serves
        assert response.status == 200
    time.sleep(0.5)  # what it printed while answering has reached the queue
    output = "".join(drain(server))
    assert "Traceback" not in output and "Error" not in output, output
