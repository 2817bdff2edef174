"""Shared fixtures: a full stand-in build of the real content, and small copies of the content to break."""
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from browser import Stored, Watcher, chromium, serve  # noqa: E402

from explainer.model import STAND_IN, resolve_model  # noqa: E402
from explainer.pipeline import build  # noqa: E402

CACHE = ROOT / ".cache"  # shared with `make build`: the stand-in and its embeddings are made once


def read_snapshot(html):
    """The JSON snapshot a built page carries inline."""
    return json.loads(re.search(r'<script type="application/json" id="snapshot">(.*?)</script>', html, re.S)[1])


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The real content built with the stand-in, once per test session."""
    out = tmp_path_factory.mktemp("full") / "site"
    report = build("stand-in", out, cache_dir=CACHE, log=lambda line: None)
    return out, report


def make_small_inputs(folder, n_vocabulary=40, n_ensemble=4):
    """A copy of content/ and photos/ with a short vocabulary and ensemble, so builds take seconds."""
    content, photos = folder / "content", folder / "photos"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "photos", photos)
    defaults = [line.strip()[2:] for line in (content / "labels.yaml").read_text().splitlines()
                if line.strip().startswith("- ")]
    vocabulary = [w for w in (content / "vocabulary.txt").read_text().splitlines() if w and not w.startswith("#")]
    # the tokens figure's split word (labels.yaml's token_example) must stay in the vocabulary
    example = [line.split(":", 1)[1].split("#")[0].strip()
               for line in (content / "labels.yaml").read_text().splitlines() if line.startswith("token_example:")]
    extra = [w for w in vocabulary if w not in defaults + example][: n_vocabulary - len(defaults) - len(example)]
    (content / "vocabulary.txt").write_text("\n".join(defaults + extra + ["kitten", "tabby cat"] + example) + "\n")
    templates = (content / "ensemble-templates.txt").read_text().splitlines()
    (content / "ensemble-templates.txt").write_text("\n".join(templates[: n_ensemble + 1]) + "\n")
    return content, photos


@pytest.fixture(scope="session")
def stand_in():
    """The stand-in checkpoint (made on first use, then kept in .cache/models)."""
    return resolve_model(STAND_IN, CACHE)


@pytest.fixture
def small(tmp_path, stand_in):
    """(content_dir, photos_dir, cache_dir, out) for a small, private build with an empty embedding cache."""
    content, photos = make_small_inputs(tmp_path)
    cache = tmp_path / "cache"
    shutil.copytree(stand_in.folder, cache / "models" / stand_in.folder.name)
    return content, photos, cache, tmp_path / "site"


def small_build(small, **kwargs):
    """A build of the small inputs; live mode's export only when asked (live=True): tests/test_live_*.py test it."""
    kwargs.setdefault("live", False)
    kwargs.setdefault("log", lambda line: None)
    content, photos, cache, out = small
    return build("stand-in", out, content_dir=content, photos_dir=photos, cache_dir=cache, **kwargs)


# ---- the page in Chromium (tests/test_browser_*.py) ------------------------------------------------

@pytest.fixture(scope="module")
def server(site):
    """(browser, base URL, Stored): one Chromium and one server per test file, closed after it."""
    out, _ = site
    with serve(out) as url, chromium() as browser:
        yield browser, url, Stored(out)


@pytest.fixture
def open_page(server):
    """open_page(fragment="", width=1280) -> (page, watcher); every page is checked for problems at the end."""
    browser, url, _ = server
    opened = []

    def opener(fragment="", width=1280, height=900, ready=True):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        watcher = Watcher(page, url)
        opened.append((context, watcher))
        page.goto(url + fragment)
        if ready:
            page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
        return page, watcher

    yield opener
    for context, watcher in opened:
        watcher.check()
        context.close()
