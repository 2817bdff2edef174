"""What every bench item shares: the results table and its budgets, gzip sizes, building a site with
build.py in a fresh process, and a one-line description of the machine."""
import gzip
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DOWNLOAD = 150_000_000  # bytes the live-in-browser explainer downloads before it works
KB, MB, GiB = 1000, 1000_000, 1024 ** 3


@dataclass(frozen=True)
class Budget:
    """A budget, written once: shown as text and judged from the same numbers, in the unit shown
    ("<= 300 KB" is Budget("<=", 300, " KB"), judged against the measured value in KB)."""
    sign: str      # "<=", ">=" or "="
    limit: float
    unit: str = ""

    def __str__(self):
        return f"{self.sign} {self.limit:g}{self.unit}"

    def met(self, value):
        return {"<=": value <= self.limit, ">=": value >= self.limit, "=": value == self.limit}[self.sign]


class Table:
    def __init__(self, judge_times=True):
        self.rows = []
        self.judge_times = judge_times
        self.notes = []  # diagnostics printed under the table

    def add(self, figure, value, budget=None, measured=None, note="", timing=False):
        """value: the text shown; budget: a Budget, judged against measured (in the budget's unit), or a
        text shown unjudged; timing: an absolute time, which the smoke run prints but does not judge."""
        ok = budget.met(measured) if isinstance(budget, Budget) else None
        if timing and not self.judge_times and ok is not None:
            ok, note = None, f"timing, judged by `make bench` only; {note}"
        budget = str(budget or "")
        self.rows.append((figure, value, budget, "" if ok is None else ("pass" if ok else "FAIL"), note))
        print(f"  {figure:<58} {value:>16}  {budget:<14} {self.rows[-1][3]:<5} {note}", flush=True)

    @property
    def failed(self):
        return [row for row in self.rows if row[3] == "FAIL"]

    def markdown(self):
        lines = ["| figure | value | budget | result | note |", "| --- | ---: | --- | --- | --- |"]
        lines += [f"| {' | '.join(str(c) for c in row)} |" for row in self.rows]
        return "\n".join(lines)


def gz(data):
    return len(gzip.compress(data, 9))


def build_site(out, cache, content=ROOT / "content", model="stand-in", extra=()):
    """Builds content into out with build.py in a new process: (seconds, the build's last line)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--model", str(model), "--out", str(out),
                             "--content", str(content), "--cache", str(cache), *extra],
                            cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"build failed:\n{result.stderr}")
    return time.perf_counter() - start, result.stderr.strip().splitlines()[-1]


def snapshot_of(site, page="index.html"):
    """The inline snapshot of one of a built site's pages (what ui/snapshot.js reads), as a dict."""
    import json
    import re
    html = (Path(site) / page).read_text()
    return json.loads(re.search(r'<script type="application/json" id="snapshot">(.*?)</script>', html, re.S)[1])


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GiB
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")
