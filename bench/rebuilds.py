"""Item 6, incremental builds: model calls and seconds of a rebuild after a prose-only edit and after adding
one vocabulary label, with `make build` (a new process each time) and with `make serve`'s loop."""
import queue
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

from .common import ROOT, Budget, build_site


def rows(table, work, cache, content, runs):
    prose, one_label, prose_summaries, summary = incremental(work, cache, runs)
    calls = sum(model_calls(line)[0] for line in prose_summaries)
    table.add("6. model calls in prose-only rebuilds", str(calls), Budget("=", 0), calls,
              f"{runs} rebuilds, each a new process")
    texts_per_label = len([t for t in content.templates if not t.ensemble]) + len(content.ensemble_templates)
    added = model_calls(summary)[1]
    table.add("6. texts embedded for one new vocabulary label", str(added), Budget("=", texts_per_label), added,
              "each plain template once, the ensemble's templates once each")
    table.add("6. rebuild after a prose-only edit, `make build`", f"{prose:.2f} s", Budget("<=", 2, " s"), prose,
              f"median of {runs}; zero model calls; a new process", timing=True)
    serve_prose, serve_first, serve_label, serve_calls = serve_rebuilds(work, cache, runs)
    table.add("6. rebuild after a prose-only edit, `make serve`", f"{serve_prose:.2f} s", Budget("<=", 2, " s"),
              serve_prose, f"median of {runs}; zero model calls", timing=True)
    table.add("6. rebuild after adding one vocabulary label, `make serve`", f"{serve_label:.2f} s",
              Budget("<=", 5, " s"), serve_label, f"median of {runs}; {serve_calls}; the first label of a session: "
              f"{serve_first:.2f} s (imports torch)", timing=True)
    texts = summary.split("model calls: ")[-1]
    over = f"; OVER the 5 s budget by {one_label - 5:.2f} s" if one_label > 5 else ""
    table.add("6. rebuild after adding one vocabulary label, `make build`", f"{one_label:.2f} s", "(5 s)", None,
              f"median of {runs}; {texts}; a new process spends ~3.3 s importing torch + transformers{over}")


def incremental(work, cache, runs):
    content = work / "content"
    shutil.copytree(ROOT / "content", content)
    out = work / "site-inc"
    build_site(out, cache, content)  # warm: everything cached
    prose = content / "sections" / "00-prelude.md"
    times, prose_summaries = [], []
    for i in range(runs):
        prose.write_text(prose.read_text() + f"\nAn edit, number {i}.\n")
        seconds, summary = build_site(out, cache, content)
        prose_summaries.append(summary)
        times.append(seconds)
    label_times = []
    for i in range(runs):
        with open(content / "vocabulary.txt", "a") as f:
            f.write(f"benchmark bear {time.time_ns()}\n")  # new on every run, so never in the cache
        seconds, label_summary = build_site(out, cache, content)
        label_times.append(seconds)
    return statistics.median(times), statistics.median(label_times), prose_summaries, label_summary


def model_calls(summary):
    """(forward passes, texts) from a build's or the server's last line:
    "...model calls: 7 forward passes, 86 texts"."""
    found = re.search(r"(\d+) forward passes, (\d+) texts", summary)
    return int(found[1]), int(found[2])


def serve_rebuilds(work, cache, runs):
    """The live-preview loop (`make serve`): seconds per rebuild, as the server reports them, after a
    prose edit and after adding a vocabulary label (the first label pays for importing torch)."""
    content = work / "content-serve"
    shutil.copytree(ROOT / "content", content)
    proc = subprocess.Popen([sys.executable, "-m", "explainer.serve", "--model", "stand-in", "--port", "0",
                             "--content", str(content), "--cache", str(cache), "--out", str(work / "site-serve")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()

    def wait(text):
        while True:
            line = lines.get(timeout=120)
            if text in line:
                return line

    def rebuild(edit):
        edit()
        line = wait("[serve] rebuilt (changed")
        return float(re.search(r" in ([\d.]+) s;", line)[1]), line.split("model calls: ")[-1].strip()

    try:
        wait("[serve] http://")
        prose = content / "sections" / "00-prelude.md"
        prose_times = [rebuild(lambda: prose.write_text(prose.read_text() + f"\nEdit {i}.\n"))[0] for i in range(runs)]

        def add_label():
            with open(content / "vocabulary.txt", "a") as f:
                f.write(f"serve bear {time.time_ns()}\n")
        first, _ = rebuild(add_label)
        label_runs = [rebuild(add_label) for _ in range(runs)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return statistics.median(prose_times), first, statistics.median(t for t, _ in label_runs), label_runs[-1][1]
