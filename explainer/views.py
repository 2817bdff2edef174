"""The page's pure view modules, run by the build: chart rows, the gap chart's names, narrow chart layouts, the
token layout, the sentences and the overview figure live once, in templates/assets/rules (rows.js, gaplabels.js,
narrow.js, tokenlayout.js, sentences.js, why.js, overview.js, layout.js, ...); the static SVGs, the no-JS tables,
the overview's SVG and the first paint's sentences come from the same code as the live page's. One Node process
per build (views.mjs), JSON lines in and out: call() sends a batch and reads its answers, so a build pays Node's
start once and one round trip per batch.
"""
import json
import shutil
import subprocess
import time
from pathlib import Path

from .errors import BuildError

SCRIPT = Path(__file__).with_name("views.mjs")


def to_json(value):
    """numpy arrays and scalars as lists and Python numbers (float32 -> the same value in float64)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot send {type(value).__name__} to the view modules")


class Views:
    """views.call(("rows", "labelRows", labels, sims, probs), ...) -> [rows, ...]; views.layout: layout.js's
    constants. Use as a context manager (the process ends with it)."""

    def __init__(self, assets_dir):
        node = shutil.which("node")
        if not node:
            raise BuildError("the build runs the page's view modules in Node.js, which is not installed "
                             "(install Node 20 or newer; make build needs it)")
        started = time.perf_counter()
        self.assets = Path(assets_dir)
        self.process = subprocess.Popen([node, str(SCRIPT), str(assets_dir)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8")
        self.batches = self.calls = 0
        self.seconds = time.perf_counter() - started
        self.layout = self.call(("layout", "*"))[0]

    def call(self, *calls):
        """Each (module, name, *args) -> its result, all in one round trip."""
        started = time.perf_counter()
        line = json.dumps([[module, name, list(args)] for module, name, *args in calls], ensure_ascii=False,
                          default=to_json)
        try:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        except OSError:
            answer = ""
        if not answer:
            self.process.kill()
            raise BuildError(f"the view modules stopped: {self.process.communicate()[1].strip()}", SCRIPT)
        answer = json.loads(answer)
        if "error" in answer:
            raise BuildError(f"a view module failed: {answer['error']}", SCRIPT)
        self.batches, self.calls = self.batches + 1, self.calls + len(calls)
        self.seconds += time.perf_counter() - started
        return answer["results"]

    def one(self, module, name, *args):
        return self.call((module, name, *args))[0]

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.process.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class PageNumbers:
    """The first paint's numbers formatted by the page's own rules (sentences.js, in Node through views), never by
    a Python twin: {{ fmt.threeDigits(tau) }}, fmt.percent(p), fmt.fixed(x, digits), fmt.megabytes(bytes). The
    numbers the templates show are asked for in one round trip (asked: [(rule, *args)]); a template that shows
    one not asked for fails the build, naming it."""

    RULES = ("threeDigits", "percent", "fixed", "megabytes")

    def __init__(self, views, asked):
        asked = [tuple(call) for call in asked]
        self.shown = dict(zip(asked, views.call(*[("sentences", *call) for call in asked]), strict=True))

    def __getattr__(self, name):
        if name not in self.RULES:
            raise AttributeError(name)

        def shown(*args):
            if (name, *args) not in self.shown:
                raise BuildError(f"the page shows {name}{args} but pagecontext.page_context did not ask for it")
            return self.shown[(name, *args)]
        return shown
