"""Shared fixtures: a full stand-in build of the real content, and small copies of the content to break.
Under pytest-xdist (make test: -n auto --dist loadfile) each worker is a process of its own: what is built into a
shared place (the full site, the stand-in in .cache) is built once per test run by the first worker that asks,
under a file lock, and reused by the others (shared_once)."""
import contextlib
import json
import os
import pickle
import re
import shutil
import sys
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from browser import Stored, Watcher, chromium, serve  # noqa: E402

from explainer.model import STAND_IN, resolve_model  # noqa: E402
from explainer.pipeline import build  # noqa: E402

CACHE = ROOT / ".cache"  # shared with `make build`: the stand-in and its embeddings are made once


def read_snapshot(html):
    """The JSON snapshot a built page carries inline."""
    return json.loads(re.search(r'<script type="application/json" id="snapshot">(.*?)</script>', html, re.S)[1])


def shared_once(tmp_path_factory, name, make):
    """make(folder) -> a picklable result, run once per test run for `name` and shared by every pytest-xdist
    worker: the first to ask runs it in the run's shared temporary folder (the parent of each worker's) under a
    file lock, the others wait on the lock and read its result. Alone (no xdist), in this process's own
    temporary folder. A make that fails leaves no result: the next worker to ask tries again (and fails the
    same way, with its own traceback)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return make(tmp_path_factory.mktemp(name))
    folder = tmp_path_factory.getbasetemp().parent / "shared" / name
    folder.mkdir(parents=True, exist_ok=True)
    done = folder / "result.pickle"
    with FileLock(str(folder) + ".lock"):
        if not done.exists():
            result = make(folder)
            (folder / "result.tmp").write_bytes(pickle.dumps(result))
            (folder / "result.tmp").replace(done)  # whole, and only once make has returned
        return pickle.loads(done.read_bytes())


@contextlib.contextmanager
def cache_lock(tmp_path_factory):
    """Held while a fixture writes into .cache (CACHE), which every worker of a run shares."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    with FileLock(str(tmp_path_factory.getbasetemp().parent / "cache.lock")):
        yield


@pytest.fixture(scope="session")
def site(tmp_path_factory, stand_in):
    """The real content built with the stand-in, once per test run (shared by pytest-xdist's workers; tests
    only read it: one that changes it copies it first, test_live_browser.copy_to_break)."""
    def make(folder):
        with cache_lock(tmp_path_factory):  # the build fills .cache (embeddings, live mode's export)
            return folder / "site", build("stand-in", folder / "site", cache_dir=CACHE, log=lambda line: None)
    return shared_once(tmp_path_factory, "full", make)


def without_models(text):
    """settings.yaml's text without its `models:` block (the last in content/settings.yaml: the real models the
    publishing workflow builds), for builds that name no --model and must not reach for them."""
    return re.sub(r"(?m)^models:\n(?:[ \t-].*\n)*", "", text)


def make_small_inputs(folder, n_vocabulary=40, n_ensemble=4):
    """A copy of content/ and photos/ with a short vocabulary and ensemble, so builds take seconds; its
    settings.yaml lists no models (a build of it with no --model carries the default alone)."""
    content, photos = folder / "content", folder / "photos"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "photos", photos)
    settings = content / "settings.yaml"
    settings.write_text(without_models(settings.read_text(encoding="utf-8")), encoding="utf-8")
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
def stand_in(tmp_path_factory):
    """The stand-in checkpoint (made on first use, then kept in .cache/models)."""
    with cache_lock(tmp_path_factory):
        return resolve_model(STAND_IN, CACHE)


def link_weights(source, target):
    """copytree's copy_function: the weight file hard-linked (no test writes it; tens of MB a copy, and one test
    run makes hundreds of small caches), every other file copied (test_model_input rewrites the processor's
    config in place, which through a link would change the shared stand-in)."""
    if str(source).endswith(".safetensors"):
        os.link(source, target)
    else:
        shutil.copy2(source, target)


def copy_stand_in(stand_in, cache):
    """The stand-in checkpoint into a private cache folder (cache/models/<name>)."""
    shutil.copytree(stand_in.folder, cache / "models" / stand_in.folder.name, copy_function=link_weights)


@pytest.fixture
def small(tmp_path, stand_in):
    """(content_dir, photos_dir, cache_dir, out) for a small, private build with an empty embedding cache."""
    content, photos = make_small_inputs(tmp_path)
    cache = tmp_path / "cache"
    copy_stand_in(stand_in, cache)
    if (CACHE / "attack").exists():  # the stamped photos' vectors (explainer/attack.py): the same in every small build
        shutil.copytree(CACHE / "attack", cache / "attack", copy_function=os.link)
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


def site_pages(out):
    """The site's pages in reading order (issue 32 section 5): the core article, then the deep-dive pages in the
    order its site map lists them."""
    core = (out / "index.html").read_text(encoding="utf-8")
    site_map = core.split('data-testid="site-map"')[1].split("</ol>\n</nav>")[0]
    files = ["index.html"]
    for name in re.findall(r'<a href="([a-z][a-z0-9-]*\.html)"', site_map):
        if name not in files:
            files.append(name)
    return files


def site_html(out):
    """Every page's HTML, in reading order, as one text: for checks of what the site says wherever it says it."""
    return "".join((out / name).read_text(encoding="utf-8") for name in site_pages(out))


@pytest.fixture(scope="session")
def two_models(tmp_path_factory, stand_in):
    """(out, report): the small inputs built once per test run with two stand-ins of different shapes, the
    ViT-B/32-shaped default and the ViT-L/14-shaped "stand-in-l14" (768-d, 16 x 16 patches), without live mode.
    The stand-ins' vectors are cached in .cache, so a later run embeds nothing."""
    def make(folder):
        content, photos = make_small_inputs(folder)
        with cache_lock(tmp_path_factory):
            return folder / "site", build("stand-in", folder / "site", content_dir=content, photos_dir=photos,
                                          cache_dir=CACHE, live=False, more_models=("stand-in-l14",),
                                          log=lambda line: None)
    return shared_once(tmp_path_factory, "two-models", make)


@pytest.fixture(scope="module")
def models_server(two_models):
    """(browser, base URL, out): the two-model site served, with one Chromium, per test file."""
    out, _ = two_models
    with serve(out) as url, chromium() as browser:
        yield browser, url, out


@pytest.fixture
def models_opened(models_server):
    """models_opened(path) -> (page, watcher): a page of the two-model site in a context of its own, ready; the
    contexts are closed after the test (which checks its watchers itself)."""
    browser, url, _ = models_server
    contexts = []

    def opener(path):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        watcher = Watcher(page, url)
        page.goto(url + path)
        page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=15000)
        return page, watcher

    yield opener
    for context in contexts:
        context.close()
