"""What a build is given, in one place: the BuildContext (paths, the cache, settings, device, flags), and the
build log, which is Python's `logging` (the "explainer" loggers): steps log lines, the caller decides where they go.

A build logs plain lines: its plan and step timings at INFO, "warning: ..." lines at WARNING. The CLI sends them
to stderr (log_to_stderr); a caller that wants the lines themselves (make serve, the tests) passes a function
(lines_to). Progress bars are not log lines: tqdm draws them on stderr (explainer/progress.py).
"""
import contextlib
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .cache import Cache
from .write import ROOT

LOGGER = logging.getLogger("explainer")


@dataclass
class BuildContext:
    model: str                                   # hub id, local save_pretrained folder or "stand-in"; None: the
                                                 # settings' `models:` (else the default model)
    out: Path                                    # the site's folder (replaced only when the build succeeds)
    content_dir: Path = ROOT / "content"         # Markdown, labels, templates, vocabulary, settings.yaml
    photos_dir: Path = ROOT / "photos"           # photos and photos.yaml
    templates_dir: Path = ROOT / "templates"     # Jinja templates and the client (assets/)
    cache_dir: Path = ROOT / ".cache"            # embeddings, compiled charts, encoded photos, the stand-in...
    node_modules: Path = ROOT / "node_modules"   # the pinned Vega and live-mode runtimes
    device: str = "auto"                         # where the model runs: auto (CUDA when torch sees a GPU), cpu, cuda
    progress: bool = False                       # a progress bar on stderr while embedding
    drafts: bool = False                         # include sections marked `draft: true` (make serve does)
    live: bool = True                            # export the towers for live mode (settings.yaml can say no too)
    clip: object = None                          # an embed.Clip to use instead of loading one (tests count its calls)
    more_models: tuple = ()                      # further models after `model` (build.py's --model given again)
    cache: Cache = field(init=False)             # the helper every cached step uses, over cache_dir

    def __post_init__(self):
        for name in ("out", "content_dir", "photos_dir", "templates_dir", "cache_dir", "node_modules"):
            setattr(self, name, Path(getattr(self, name)))
        self.cache = Cache(self.cache_dir)

    def inputs(self):
        """The folders the build reads: out may be none of them, nor inside or around one."""
        return dict(content=self.content_dir, photos=self.photos_dir, templates=self.templates_dir,
                    cache=self.cache_dir, node_modules=self.node_modules)


class LineFormatter(logging.Formatter):
    """A record as the build log's line: the message, with "warning: " before a warning's."""

    def format(self, record):
        message = record.getMessage()
        return f"warning: {message}" if record.levelno >= logging.WARNING else message


def log_to_stderr():
    """The CLI's build log: every line on stderr, as it happens."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LineFormatter())
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False  # only here: a library (torch, transformers) may configure the root logger


class _Lines(logging.Handler):
    def __init__(self, sink):
        super().__init__()
        self.sink = sink
        self.setFormatter(LineFormatter())

    def emit(self, record):
        self.sink(self.format(record))


@contextlib.contextmanager
def lines_to(sink):
    """While the block runs, each line of the build log is also given to sink(line); sink None: no change."""
    if sink is None:
        yield
        return
    handler, level, propagate = _Lines(sink), LOGGER.level, LOGGER.propagate
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
    try:
        yield
    finally:
        LOGGER.removeHandler(handler)
        LOGGER.setLevel(level)
        LOGGER.propagate = propagate
