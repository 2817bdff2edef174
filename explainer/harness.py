"""What the browser tests and `make bench` share to open a built site: Debian's Chromium driven by
Playwright (headless, no network of its own), and the one static-file server (staticserver.py).

    with serve(site) as url, chromium() as browser: ...
"""
from contextlib import contextmanager

from .staticserver import serve  # noqa: F401  (re-exported: the tests and the bench serve through it)

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@contextmanager
def chromium():
    """A headless Chromium (Playwright's sync API, imported only here); closed on exit."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
