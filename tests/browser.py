"""Serving a built site on 127.0.0.1 and opening it in Debian's Chromium through Playwright."""
import functools
import http.server
import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder):
    """An HTTP server for folder on a free port of 127.0.0.1; yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


class Watcher:
    """Collects console errors, uncaught exceptions, dialogs (alert()), CSP violations and requests to
    other origins; `check()` raises if there was any."""

    def __init__(self, page, base_url):
        self.page, self.problems = page, []
        page.add_init_script(CSP_RECORDER)
        page.on("dialog", lambda dialog: self.problems.append(f"dialog: {dialog.message}") or dialog.dismiss())
        origin = urlsplit(base_url).netloc
        page.on("console", lambda msg: msg.type == "error" and self.problems.append(f"console: {msg.text}"))
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))

        def on_request(request):
            parts = urlsplit(request.url)
            if parts.scheme not in ("data", "blob") and parts.netloc != origin:
                self.problems.append(f"request to another origin: {request.url}")
        page.on("request", on_request)
        page.on("response", lambda response: response.status >= 400 and self.problems.append(
            f"HTTP {response.status}: {response.url}"))

    def check(self):
        if not self.page.is_closed():
            violations = self.page.evaluate("window.__cspViolations || []")
            self.problems += [f"CSP violation: {v}" for v in violations]
        assert not self.problems, self.problems
