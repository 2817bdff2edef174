"""`make bench`: what readers and authors wait for, against budgets far ahead of an explainer that
downloads a ~150 MB model and needs 20-40 s before its first number.

    python bench/bench.py               # everything (about 7 minutes on 2 cores), writes bench/results.md
    python bench/bench.py --smoke       # about a minute, stand-in only (run by `make test`)
    python bench/bench.py --phone-only  # item 8 alone: Lighthouse mobile and interaction latency (~1 min)
    python bench/bench.py --only live-label [--site FOLDER]  # a live label, Enter to numbers (full-size)

Item 8 (full bench only; Lighthouse is slow): Lighthouse 12.2.3 from node_modules (mobile form factor and
simulated throttling, its defaults; median of 3) against the site served with gzip on 127.0.0.1, and the
Event Timing API's durations of real (trusted) interactions at 375 px, unthrottled and with the CPU
slowed 4x through the DevTools protocol. Its rows are all timing rows: scores depend on the machine too.

Times are medians of several runs. Exit status 1 when any budget is missed.

The smoke run judges only what a slow or busy machine cannot change: bytes, counts of model calls and
of fetched files, and ratios of two speeds measured side by side in the same run. It still prints every
time, marked "timing" and left unjudged: absolute times are judged by the full `make bench` alone.
"""
import argparse
import gzip
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import live_label  # noqa: E402  (bench/live_label.py: a live label as the reader feels it)
from browser import chromium, serve  # noqa: E402  (the same launch as the browser tests)

from explainer.live import describe_parity  # noqa: E402  (light: numpy only at import)

REFERENCE_DOWNLOAD = 150_000_000  # bytes the live-in-browser explainer downloads before it works
KB, MB, GiB = 1000, 1000_000, 1024 ** 3


class Table:
    def __init__(self, judge_times=True):
        self.rows = []
        self.judge_times = judge_times
        self.notes = []  # diagnostics printed under the table

    def add(self, figure, value, budget=None, ok=None, note="", timing=False):
        """timing: an absolute time, which the smoke run prints but does not judge."""
        if timing and not self.judge_times and ok is not None:
            ok, note = None, f"timing, judged by `make bench` only; {note}"
        self.rows.append((figure, value, budget or "", "" if ok is None else ("pass" if ok else "FAIL"), note))
        print(f"  {figure:<58} {value:>16}  {budget or '':<14} {self.rows[-1][3]:<5} {note}", flush=True)

    @property
    def failed(self):
        return [row for row in self.rows if row[3] == "FAIL"]

    def markdown(self):
        lines = ["| figure | value | budget | result | note |", "| --- | ---: | --- | --- | --- |"]
        lines += [f"| {' | '.join(str(c) for c in row)} |" for row in self.rows]
        return "\n".join(lines)


def gz(data):
    return len(gzip.compress(data, 9))


def build_site(out, cache, content=ROOT / "content", model="stand-in"):
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--model", model, "--out", str(out),
                             "--content", str(content), "--cache", str(cache)],
                            cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"build failed:\n{result.stderr}")
    return time.perf_counter() - start, result.stderr.strip().splitlines()[-1]


# ---- 1-4: the page ------------------------------------------------------------------------------

def first_view(browser, url):
    """gzip bytes of everything loaded before any interaction: (without photos, photos only)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    bodies = {}

    def keep(response):
        try:
            bodies[response.url] = response.body()
        except Exception:
            pass
    page.on("response", keep)
    page.goto(url)
    page.wait_for_selector("body[data-ready=true][data-charts=drawn]", timeout=20000)
    page.wait_for_load_state("networkidle")
    page.close()
    photos = sum(len(body) for u, body in bodies.items() if "/photos/" in u)  # JPEG: gzip gains nothing
    rest = sum(gz(body) for u, body in bodies.items() if "/photos/" not in u)
    return rest, photos, sorted(bodies)


def time_to_interactive(browser, url, runs):
    times = []
    for _ in range(runs):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]", timeout=20000)
        times.append(page.evaluate("performance.getEntriesByName('controls-ready')[0].startTime"))
        page.close()
    return statistics.median(times)


RECOMPUTE = """async (steps) => {
  const slider = document.getElementById('tau-slider');
  const times = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    slider.value = String((Number(slider.value) + 1) % (Number(slider.max) + 1));
    slider.dispatchEvent(new Event('input', { bubbles: true }));  // the page recomputes and updates the numbers
    document.getElementById('label-rows').getBoundingClientRect();  // style and layout: ready to paint
    times.push(performance.now() - start);
    await new Promise((done) => requestAnimationFrame(() => done()));
    await new Promise((done) => setTimeout(done, 30));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}"""


def recompute_latency(browser, url, labels, n, steps):
    from urllib.parse import urlencode
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url + "#" + urlencode([("photo", "cat"), ("template", "photo")] + [("label", l) for l in labels[:n]]))
    page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=180000)  # n label files
    page.wait_for_function("() => document.querySelectorAll('#label-rows tr').length === %d" % n, timeout=30000)
    ms = page.evaluate(RECOMPUTE, steps)
    page.close()
    return ms


ADDED = ["kitten", "tabby cat", "puppy", "espresso", "teapot", "zebra", "tiger", "lion", "goldfish", "banana"]
SLOW = {"offline": False, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 200_000}  # bytes/s


def label_bytes(site, labels):
    from explainer.data import label_file_name
    return sum(gz((site / label_file_name(label)).read_bytes()) for label in labels)


def enter_to_row(browser, url, runs, conditions):
    """ms from Enter in the label box to the new row with its numbers (names already loaded)."""
    times = []
    for _ in range(runs):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]", timeout=20000)
        page.fill("#add-label-input", "kitte")
        page.locator("#label-suggestions [role=option]").first.wait_for(timeout=20000)
        if conditions:
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", conditions)
        page.evaluate("""() => { window.__rowAt = null;
            new MutationObserver(() => { if (!window.__rowAt && document.querySelector(
              '#label-rows tr[data-label=kitten][data-state=ready]')) window.__rowAt = performance.now(); })
              .observe(document.getElementById('label-rows'), { childList: true, subtree: true, attributes: true }); }""")
        page.fill("#add-label-input", "kitten")
        start = page.evaluate("""() => { const t = performance.now();
            document.getElementById('add-label-form').requestSubmit(); return t; }""")
        page.wait_for_function("() => window.__rowAt !== null", timeout=20000)
        times.append(page.evaluate("window.__rowAt") - start)
        page.close()
    return statistics.median(times)


# ---- 8: Lighthouse and interaction latency on a phone (full bench only) ------------------------------

import http.server  # noqa: E402
import socketserver  # noqa: E402
import threading  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from browser import CHROMIUM, FLAGS  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
GZIP_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; text responses gzipped when the request accepts gzip (as any real host does)."""
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".avif": "image/avif",
                      ".webp": "image/webp", ".js": "text/javascript", ".mjs": "text/javascript",
                      ".json": "application/json", ".svg": "image/svg+xml"}

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        kind = self.guess_type(str(path))
        if not (path.is_file() and kind.startswith(GZIP_TYPES) and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().do_GET()
        body = gzip.compress(path.read_bytes(), 6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", kind + ("; charset=utf-8" if kind.startswith("text/") else ""))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


@contextmanager
def serve_gzip(folder):
    import functools
    server = ThreadingServer(("127.0.0.1", 0), functools.partial(GzipHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def lighthouse(url, runs=3):
    """Median of runs of Lighthouse (mobile form factor, simulated throttling: its defaults):
    {figure: value}, and the diagnostics of the median-performance run."""
    reports = []
    for _ in range(runs):
        result = subprocess.run([str(LIGHTHOUSE), url, "--output=json", "--output-path=stdout", "--quiet",
                                 "--only-categories=performance,accessibility,best-practices,seo",
                                 "--chrome-flags=" + " ".join(FLAGS)],
                                env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True,
                                timeout=300)
        if result.returncode:
            sys.exit(f"lighthouse failed:\n{result.stderr[-3000:]}")
        reports.append(json.loads(result.stdout))

    def score(lhr, category):
        return round(lhr["categories"][category]["score"] * 100)

    def audit(lhr, name):
        return lhr["audits"][name]["numericValue"]
    figures = {
        "performance": statistics.median(score(r, "performance") for r in reports),
        "fcp": statistics.median(audit(r, "first-contentful-paint") for r in reports),
        "lcp": statistics.median(audit(r, "largest-contentful-paint") for r in reports),
        "tbt": statistics.median(audit(r, "total-blocking-time") for r in reports),
        "cls": statistics.median(audit(r, "cumulative-layout-shift") for r in reports),
        "accessibility": statistics.median(score(r, "accessibility") for r in reports),
        "best-practices": statistics.median(score(r, "best-practices") for r in reports),
        "seo": statistics.median(score(r, "seo") for r in reports),
        "all": [(score(r, "performance"), audit(r, "largest-contentful-paint"), audit(r, "total-blocking-time"))
                for r in reports],
    }
    middle = sorted(reports, key=lambda r: score(r, "performance"))[len(reports) // 2]
    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "lighthouse.json").write_text(json.dumps(middle))  # the median run, for its diagnostics
    return figures, diagnostics(middle)


def diagnostics(lhr):
    """What a missed budget is explained by: the LCP element, main-thread work, the failed audits."""
    audits = lhr["audits"]
    lines = []
    try:
        items = audits["largest-contentful-paint-element"]["details"]["items"]
        node = items[0]["items"][0]["node"] if "items" in items[0] else items[0]["node"]
        lines.append(f"LCP element: {node.get('selector', '')} {node.get('snippet', '')[:120]}")
        if len(items) > 1:
            phases = {i["phase"]: round(i["timing"]) for i in items[1]["items"]}
            lines.append(f"LCP phases (ms): {phases}")
    except (KeyError, IndexError, TypeError):
        error = audits.get("largest-contentful-paint-element", {}).get("errorMessage")
        if error:
            lines.append(f"LCP element: not reported (Lighthouse's gatherer failed with this Chromium: {error[:140]})")
    work = audits.get("mainthread-work-breakdown", {})
    if work.get("details"):
        top = ", ".join(f"{i['groupLabel']} {i['duration']:.0f} ms" for i in work["details"]["items"][:4])
        lines.append(f"main-thread work {work['numericValue']:.0f} ms: {top}")
    boot = audits.get("bootup-time", {})
    if boot.get("details"):
        top = ", ".join(f"{i['url'].rsplit('/', 1)[-1] or '/'} {i['scripting']:.0f} ms"
                        for i in boot["details"]["items"][:3])
        lines.append(f"script evaluation: {top}")
    for category in ("accessibility", "best-practices", "seo"):
        for ref in lhr["categories"][category]["auditRefs"]:
            a = audits[ref["id"]]
            if ref["weight"] and a.get("score") is not None and a["score"] < 1:
                lines.append(f"{category} audit failed: {ref['id']} ({a['title']})")
    return lines


EVENT_OBSERVER = """
window.__events = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__events.push({ name: e.name, duration: e.duration, id: e.interactionId });
}).observe({ type: 'event', durationThreshold: 16, buffered: true });
"""
SETTLE = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 250))))"


def interaction_latency(browser, url, cpu_rate, steps=5):
    """Event Timing durations (ms, the largest entry of each interaction; 0 when under the 16 ms threshold)
    at 375 px: {interaction: [duration per step]}."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.add_init_script(EVENT_OBSERVER)
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=30000)
    page.wait_for_load_state("networkidle")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_rate})

    def measure(action):
        page.evaluate(SETTLE)
        page.evaluate("window.__events = []")
        action()
        page.evaluate(SETTLE)
        page.wait_for_timeout(200)
        events = page.evaluate("window.__events")
        return max([e["duration"] for e in events if e["id"]] or [0])

    times = {"slider step (ArrowRight)": [], "photo change (click)": [], "template change (select)": [],
             "add a label (type, Enter)": []}
    page.focus("#tau-slider")
    for _ in range(steps):
        times["slider step (ArrowRight)"].append(measure(lambda: page.keyboard.press("ArrowRight")))
    photos = page.eval_on_selector_all("input[name=photo]", "inputs => inputs.map((i) => i.value)")
    for i in range(steps):
        choice = page.locator(f"label.photo-choice:has(input[value='{photos[(i + 1) % len(photos)]}'])")
        choice.scroll_into_view_if_needed()
        times["photo change (click)"].append(measure(lambda: choice.click()))
    # a real key press on the closed <select> (select_option's synthetic events are not user input, which
    # Event Timing ignores): ArrowDown picks the next option, and the page changes template
    page.focus("#template-select")
    for i in range(steps):
        before = page.eval_on_selector("#template-select", "s => s.value")
        key = "ArrowDown" if page.eval_on_selector("#template-select", "s => s.selectedIndex < s.options.length - 1") \
            else "Home"
        times["template change (select)"].append(measure(lambda: page.keyboard.press(key)))
        assert page.eval_on_selector("#template-select", "s => s.value") != before, "the template did not change"
    for label in ADDED[:steps]:
        page.fill("#add-label-input", label)
        page.locator("#label-suggestions [role=option]").first.wait_for(timeout=30000)
        times["add a label (type, Enter)"].append(measure(lambda: page.press("#add-label-input", "Enter")))
        page.wait_for_selector(f"#label-rows tr[data-label='{label}'][data-state=ready]", timeout=30000)
    context.close()
    return times


def phone(table, site, runs=3):
    """Item 8: Lighthouse (mobile) and Event Timing interaction latency; all rows timing (machine speed)."""
    with serve_gzip(site) as url:
        lh, notes = lighthouse(url, runs)
        each = "; ".join(f"{p} / {l / 1000:.2f} s / {t:.0f} ms" for p, l, t in lh["all"])
        table.add("9. Lighthouse mobile: performance score", f"{lh['performance']:.0f}", ">= 95",
                  lh["performance"] >= 95, f"median of {runs} (score / LCP / TBT per run: {each})", timing=True)
        table.add("9. Lighthouse mobile: first contentful paint", f"{lh['fcp'] / 1000:.2f} s", "", None,
                  f"median of {runs}; slow 4G, 4x CPU simulated")
        table.add("9. Lighthouse mobile: largest contentful paint", f"{lh['lcp'] / 1000:.2f} s", "<= 2.5 s",
                  lh["lcp"] <= 2500, f"median of {runs}", timing=True)
        table.add("9. Lighthouse mobile: total blocking time", f"{lh['tbt']:.0f} ms", "<= 200 ms",
                  lh["tbt"] <= 200, f"median of {runs}", timing=True)
        table.add("9. Lighthouse mobile: cumulative layout shift", f"{lh['cls']:.3f}", "<= 0.05",
                  lh["cls"] <= 0.05, f"median of {runs}", timing=True)
        for key, name in (("accessibility", "accessibility"), ("best-practices", "best practices"), ("seo", "SEO")):
            table.add(f"9. Lighthouse mobile: {name} score", f"{lh[key]:.0f}", "= 100", lh[key] == 100,
                      f"median of {runs}", timing=True)
        for line in notes:
            print(f"    lighthouse: {line}", flush=True)
        table.notes += [f"Lighthouse (median-performance run): {line}" for line in notes]
        with chromium() as browser:
            for rate, budget in ((1, 50), (4, 200)):
                for name, values in interaction_latency(browser, url, rate).items():
                    worst = max(values)
                    table.add(f"9. interaction, {name}, {'unthrottled' if rate == 1 else f'{rate}x CPU'}",
                              f"{worst:.0f} ms", f"<= {budget} ms", worst <= budget,
                              f"worst of {len(values)}, median {statistics.median(values):.0f} ms; Event Timing "
                              f"at 375 px (0 = under its 16 ms threshold)", timing=True)
    return notes


# ---- 5 and 7: a full-size model ---------------------------------------------------------------------

def full_size_checkpoint(folder):
    """CLIPConfig() defaults (ViT-B/32's shapes) with random weights, CLIP's tokenizer and preprocessing."""
    if (folder / "model.safetensors").exists():
        return folder
    import torch
    from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel, CLIPTokenizer
    from explainer.standin import write_clip_tokenizer_files
    folder.mkdir(parents=True, exist_ok=True)
    write_clip_tokenizer_files(folder)
    torch.manual_seed(0)
    CLIPModel(CLIPConfig()).eval().save_pretrained(folder)
    CLIPTokenizer.from_pretrained(folder).save_pretrained(folder)
    CLIPImageProcessorPil().save_pretrained(folder)
    return folder


def batching_ratio(folder, vocabulary, rounds=3, n_texts=512, n_naive=32):
    """Texts per second batched by length against one text per pass padded to 77, measured in turns
    (batched, naive, batched, ...) so that a busy machine slows both alike: (median ratio, rates)."""
    import torch
    from explainer.embed import Clip
    clip = Clip(folder, "cpu")
    texts = [f"a photo of a {label}." for label in vocabulary[:n_texts]]
    clip.embed_texts(texts[:64])  # warm-up, and loads the model
    ratios = []
    for _ in range(rounds):
        start = time.perf_counter()
        clip.embed_texts(texts)
        batched = n_texts / (time.perf_counter() - start)
        start = time.perf_counter()
        with torch.inference_mode():
            for text in texts[:n_naive]:
                ids = clip.tokenizer([text], padding="max_length", max_length=77, return_tensors="pt")
                clip.model.get_text_features(**ids)
        naive = n_naive / (time.perf_counter() - start)
        ratios.append(batched / naive)
    return statistics.median(ratios)


def throughput(folder, vocabulary, n_texts=1024, n_naive=48, device="cpu"):
    import numpy as np
    import torch
    from explainer.embed import Clip
    clip = Clip(folder, device)
    texts = [f"a photo of a {label}." for label in vocabulary[:n_texts]]
    clip.embed_texts(texts[:64])  # warm-up
    start = time.perf_counter()
    clip.embed_texts(texts)
    batched = n_texts / (time.perf_counter() - start)
    start = time.perf_counter()
    with torch.inference_mode():  # the naive path: one text per forward pass, padded to 77 tokens
        for text in texts[:n_naive]:
            ids = clip.tokenizer([text], padding="max_length", max_length=77, return_tensors="pt")
            clip.model.get_text_features(**ids)
    naive = n_naive / (time.perf_counter() - start)
    from PIL import Image
    image = Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 400, 3), dtype=np.uint8))
    clip.embed_image(image)
    start = time.perf_counter()
    for _ in range(8):
        clip.embed_image(image)
    images = 8 / (time.perf_counter() - start)
    return batched, naive, images


def peak_memory_build(folder, work):
    """Peak RSS of a whole build process with the full-size model over 1,500 labels."""
    content = work / "content-mem"
    shutil.copytree(ROOT / "content", content)
    lines = [l for l in (content / "vocabulary.txt").read_text().splitlines() if l and not l.startswith("#")]
    defaults = [l.strip()[2:] for l in (content / "labels.yaml").read_text().splitlines() if l.strip().startswith("- ")]
    (content / "vocabulary.txt").write_text("\n".join(defaults + [l for l in lines if l not in defaults][:1500]) + "\n")
    templates = (content / "ensemble-templates.txt").read_text().splitlines()
    (content / "ensemble-templates.txt").write_text("\n".join(templates[:5]) + "\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--model", str(folder), "--out",
                             str(work / "site-mem"), "--content", str(content), "--cache", str(work / "cache-mem"),
                             "--no-live"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"full-size build failed:\n{result.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux: kilobytes
    return max(peak, before * 1024), time.perf_counter() - start


def live_build(folder, work):
    """peak_memory_build's site again, now with live mode: its vectors come from the cache, so this is the
    ONNX export, the variants and their parity on the full-size model (seconds)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--model", str(folder), "--out",
                             str(work / "site-mem"), "--content", str(work / "content-mem"),
                             "--cache", str(work / "cache-mem")], cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"full-size live build failed:\n{result.stderr}")
    return time.perf_counter() - start


def full_grid_texts(content):
    n_vocab = len(content.vocabulary)
    plain = sum(not t.ensemble for t in content.templates)
    return n_vocab * (plain + len(content.ensemble_templates))


# ---- 8: live mode ---------------------------------------------------------------------------------------

LIVE_TIMES = """async ([labels, photos]) => {
  const { LiveClient } = await import('./assets/live/client.js');
  const live = new LiveClient('live/manifest.json');
  const start = performance.now();
  await live.load();
  await live.embedTexts(['a photo of a tarantula eating sushi.']);
  const first = performance.now() - start;
  const perLabel = [];
  for (const label of labels) {
    const t = performance.now();
    await live.embedTexts([label]);
    perLabel.push(performance.now() - t);
  }
  await live.load({ parts: ['text', 'vision'] });
  const perPhoto = [];
  for (const data of photos) {
    const blob = new Blob([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], { type: 'image/jpeg' });
    const t = performance.now();
    await live.embedImage(blob);
    perPhoto.push(performance.now() - t);
  }
  return { first, perLabel, perPhoto };
}"""


def live_mode(table, browser, url, site, content, what):
    """Bytes of live mode (gzip) and, in Chromium with the files served locally, the time from start to the
    first live text vector, per further label and per photo (decoded from a Blob, preprocessed, embedded)."""
    import base64
    manifest = json.loads((site / "live" / "manifest.json").read_text())
    text, vision = manifest["download"]["text"], manifest["download"]["vision"]
    others = "; ".join(f"{c['variant']} would be {(text - manifest['text']['gzip_bytes'] + c['gzip_bytes']) / MB:.1f} MB"
                       f"{'' if c['ok'] else ' (outside the bounds)'}"
                       for c in manifest["candidates"] if c["tower"] == "text" and c["variant"] != manifest["text"]["variant"])
    table.add(f"8. live mode, text download, gzip ({what})", f"{text / MB:.1f} MB", "<= 60 MB", text <= 60 * MB,
              f"runtime {manifest['runtime']['gzip_bytes'] / MB:.1f} MB + tokenizer + {manifest['text']['variant']} "
              f"text tower (the smallest within the bounds); {others}")
    table.add(f"8. live mode, photo download on top, gzip ({what})", f"{vision / MB:.1f} MB", "", None,
              f"{manifest['vision']['variant']} vision tower, fetched when a reader first picks a photo")
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=30000)
    labels = [t.fill(label) for t in content.templates[1:2] for label in content.vocabulary[::300]]  # 20 labels
    photos = [base64.b64encode(p.path.read_bytes()).decode() for p in content.photos]
    times = page.evaluate(LIVE_TIMES, [labels, photos])
    context.close()
    per_label, per_photo = statistics.median(times["perLabel"]), statistics.median(times["perPhoto"])
    table.add(f"8. live mode, start to first text vector ({what})", f"{times['first']:.0f} ms", "", None,
              "files served locally, single-threaded wasm: fetch, sha256, session start, one text", timing=True)
    table.add(f"8. live mode, each further label ({what})", f"{per_label:.0f} ms", "<= 100 ms", per_label <= 100,
              f"median of {len(labels)}, max {max(times['perLabel']):.0f} ms", timing=True)
    table.add(f"8. live mode, one photo ({what})", f"{per_photo:.0f} ms", "<= 1500 ms", per_photo <= 1500,
              f"median of {len(photos)} photos as Blobs: decode, Pillow-bicubic port, vision tower", timing=True)
    return manifest


def live_parity_rows(table, manifest, what):
    for tower in ("text", "vision"):
        chosen = manifest[tower]
        p = chosen["parity"]
        others = ", ".join(f"{c['variant']} {c['parity']['max_cosine_error']:.1e}/{c['parity']['top1_agreement']:.0%}"
                           f"{'' if c['ok'] else ' (out)'}" for c in manifest["candidates"] if c["tower"] == tower)
        table.add(f"8. live parity, {tower} tower ({what})", f"{chosen['variant']}: {p['max_cosine_error']:.1e}",
                  f"<= {manifest['bound']['max_cosine_error']}", p["max_cosine_error"] <= manifest["bound"]["max_cosine_error"],
                  f"{describe_parity(p)}; candidates (error/agreement): {others}")


# ---- 6: incremental builds --------------------------------------------------------------------------

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
    """(forward passes, texts) from a build's or the server's last line: "...model calls: 7 forward passes, 86 texts"."""
    import re
    found = re.search(r"(\d+) forward passes, (\d+) texts", summary)
    return int(found[1]), int(found[2])


def serve_rebuilds(work, cache, runs):
    """The live-preview loop (`make serve`): seconds per rebuild, as the server reports them, after a
    prose edit and after adding a vocabulary label (the first label pays for importing torch)."""
    import queue
    import re
    import threading
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


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GiB
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="fast, stand-in only: budgets 1-4, 6 and 8")
    parser.add_argument("--results", default=parser_default_results())
    parser.add_argument("--phone-only", action="store_true", help="only item 8: Lighthouse and interaction latency")
    parser.add_argument("--only", choices=["live-label"], help="one item alone: live-label (bench/live_label.py)")
    parser.add_argument("--site", help="with --only live-label: a built full-size site to use (else built here)")
    args = parser.parse_args(argv)
    if args.only == "live-label":
        return only_live_label(args)
    runs = 3 if args.smoke else 7
    table = Table(judge_times=not args.smoke)
    from explainer.content import read_content
    content = read_content(ROOT / "content", ROOT / "photos")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        site, cache = work / "site", work / "cache"
        # a private copy of the cache, so that the label added below is new on every run
        shutil.copytree(ROOT / ".cache", cache, ignore=shutil.ignore_patterns("full-size-random"))
        build_site(site, cache)
        print(f"bench ({'smoke' if args.smoke else 'full'}) on {machine()}", flush=True)

        if args.phone_only:
            phone(table, site)
            return finish(table, args)

        with serve(site) as url, chromium() as browser:
            rest, photos, loaded = first_view(browser, url)
            data_files = [u for u in loaded if "/data/" in u]
            table.add("1. data files fetched by the first view", str(len(data_files)), "0", not data_files,
                      "the first view's vectors are inline; everything else waits for the reader")
            table.add("1. first view, gzip, without photos", f"{rest / KB:.0f} KB", "<= 300 KB", rest <= 300 * KB,
                      f"{REFERENCE_DOWNLOAD / rest:.0f}x less than 150 MB")
            table.add("1. first view, gzip, with photos", f"{(rest + photos) / KB:.0f} KB", "<= 1 MB",
                      rest + photos <= 1 * MB, f"{REFERENCE_DOWNLOAD / (rest + photos):.0f}x less than 150 MB")
            names = gz((site / "data" / "label-names.json").read_bytes())
            table.add("2. label names, gzip (first keystroke)", f"{names / KB:.1f} KB", "<= 100 KB", names <= 100 * KB,
                      f"{len(content.vocabulary)} labels, for type-ahead")
            one, ten = label_bytes(site, ["kitten"]), label_bytes(site, ADDED)
            table.add("2. label files, gzip, adding 1 label", f"{one / KB:.1f} KB", "<= 12 KB", one <= 12 * KB,
                      "its vectors under every template, tokens, near-synonyms")
            table.add("2. label files, gzip, adding 10 labels", f"{ten / KB:.1f} KB", "<= 100 KB", ten <= 100 * KB,
                      "switching template afterwards fetches nothing")
            for name, conditions in (("localhost", None), ("1.6 Mbps, 150 ms", SLOW)):
                ms = enter_to_row(browser, url, runs, conditions)
                budget = 100 if conditions is None else 400
                table.add(f"2. Enter to the new row, {name}", f"{ms:.0f} ms", f"<= {budget} ms", ms <= budget,
                          f"median of {runs}; the label's file fetched and scored", timing=True)
            tti = time_to_interactive(browser, url, runs)
            table.add("3. time to interactive", f"{tti:.0f} ms", "<= 1000 ms", tti <= 1000,
                      f"median of {runs}; navigation start to controls-ready", timing=True)
            vocabulary = content.vocabulary
            for n, budget in ((10, None), (100, 16), (1000, 50)):
                ms = recompute_latency(browser, url, vocabulary, n, 15 if args.smoke else 31)
                table.add(f"4. recompute, {n} labels", f"{ms:.1f} ms", f"<= {budget} ms" if budget else "",
                          None if budget is None else ms <= budget, "temperature change to numbers laid out",
                          timing=True)
            live_parity_rows(table, live_mode(table, browser, url, site, content, "stand-in"), "stand-in")
            if not args.smoke:
                live_label.enter_to_row(table, browser, url, content, "stand-in")

        prose, one_label, prose_summaries, summary = incremental(work, cache, runs)
        calls = sum(model_calls(line)[0] for line in prose_summaries)
        table.add("6. model calls in prose-only rebuilds", str(calls), "0", calls == 0,
                  f"{runs} rebuilds, each a new process")
        texts_per_label = len([t for t in content.templates if not t.ensemble]) + len(content.ensemble_templates)
        added = model_calls(summary)[1]
        table.add("6. texts embedded for one new vocabulary label", str(added), f"= {texts_per_label}",
                  added == texts_per_label, "each plain template once, the ensemble's templates once each")
        table.add("6. rebuild after a prose-only edit, `make build`", f"{prose:.2f} s", "<= 2 s", prose <= 2,
                  f"median of {runs}; zero model calls; a new process", timing=True)
        serve_prose, serve_first, serve_label, serve_calls = serve_rebuilds(work, cache, runs)
        table.add("6. rebuild after a prose-only edit, `make serve`", f"{serve_prose:.2f} s", "<= 2 s",
                  serve_prose <= 2, f"median of {runs}; zero model calls", timing=True)
        table.add("6. rebuild after adding one vocabulary label, `make serve`", f"{serve_label:.2f} s", "<= 5 s",
                  serve_label <= 5, f"median of {runs}; {serve_calls}; the first label of a session: "
                  f"{serve_first:.2f} s (imports torch)", timing=True)
        texts = summary.split("model calls: ")[-1]
        over = f"; OVER the 5 s budget by {one_label - 5:.2f} s" if one_label > 5 else ""
        table.add("6. rebuild after adding one vocabulary label, `make build`", f"{one_label:.2f} s", "(5 s)", None,
                  f"median of {runs}; {texts}; a new process spends ~3.3 s importing torch + transformers{over}")

        from explainer.model import STAND_IN, resolve_model
        ratio = batching_ratio(resolve_model(STAND_IN, cache).folder, content.vocabulary)
        table.add("5. batched / one at a time (stand-in)", f"{ratio:.1f}x", ">= 3x", ratio >= 3,
                  "median of 3 turns, both measured side by side")

        if not args.smoke:
            folder = full_size_checkpoint(ROOT / ".cache" / "models" / "full-size-random")
            batched, naive, images = throughput(folder, content.vocabulary)
            table.add("5. text embedding, batched by length (full-size)", f"{batched:.0f} texts/s", "", None,
                      "CLIPConfig() defaults, random weights")
            table.add("5. text embedding, naive (1 per pass, padded to 77)", f"{naive:.1f} texts/s", "", None, "")
            table.add("5. batched / naive", f"{batched / naive:.1f}x", ">= 5x", batched / naive >= 5, "")
            table.add("5. image embedding (full-size)", f"{images:.1f} images/s", "", None, "one photo per pass")
            import torch
            if torch.cuda.is_available():
                gpu_batched, _, gpu_images = throughput(folder, content.vocabulary, n_texts=4096, device="cuda")
                table.add("5. text embedding on CUDA (full-size)", f"{gpu_batched:.0f} texts/s", "", None,
                          f"{gpu_batched / batched:.1f}x the CPU; {torch.cuda.get_device_name()}")
                table.add("5. image embedding on CUDA (full-size)", f"{gpu_images:.1f} images/s", "", None, "")
            else:
                table.add("5. text embedding on CUDA", "n/a", "", None, "torch sees no CUDA device here")
            n_texts = full_grid_texts(content)
            estimate = n_texts / batched + len(content.photos) / images
            table.add("5. full build, extrapolated (full-size, cold cache)", f"{estimate / 60:.0f} min", "", None,
                      f"{n_texts:,} texts + {len(content.photos)} photos at the rates above")
            peak, seconds = peak_memory_build(folder, work)
            table.add("7. peak memory of a full-size-model build", f"{peak / GiB:.2f} GiB", "<= 3 GiB",
                      peak <= 3 * GiB, f"1,508 labels x (6 templates + 5-template ensemble), {seconds:.0f} s")
            seconds = live_build(folder, work)
            with serve(work / "site-mem") as url, chromium() as browser:
                manifest = live_mode(table, browser, url, work / "site-mem", content, "full-size")
                live_label.batch_sizes(table, browser, url, content, "full-size")
                live_label.enter_to_row(table, browser, url, content, "full-size")
            live_parity_rows(table, manifest, "full-size")
            table.add("8. live export, variants and parity (full-size)", f"{seconds:.0f} s", "", None,
                      "once per model and settings; cached in .cache/live/", timing=True)
            phone(table, site)  # Lighthouse is slow (3 runs of ~30 s): the full bench only

    return finish(table, args)


def full_size_live_site(work):
    """A full-size site with live mode over a vocabulary of the default labels (the ensemble's 80 sentences
    kept): what a live label costs does not depend on the vocabulary; its embeddings are cached under
    .cache/bench-live-label, so a second run only serves it."""
    folder = full_size_checkpoint(ROOT / ".cache" / "models" / "full-size-random")
    content = work / "content-live"
    shutil.copytree(ROOT / "content", content)
    lines = (content / "labels.yaml").read_text().splitlines()
    defaults = [line.strip()[2:] for line in lines if line.strip().startswith("- ")]
    (content / "vocabulary.txt").write_text("\n".join(defaults) + "\n")
    out = work / "site-live"
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--model", str(folder), "--out", str(out),
                             "--content", str(content), "--cache", str(ROOT / ".cache" / "bench-live-label")],
                            cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"full-size live build failed:\n{result.stderr}")
    return out


def only_live_label(args):
    """`--only live-label`: the full-size rows of bench/live_label.py alone."""
    from explainer.content import read_content
    content = read_content(ROOT / "content", ROOT / "photos")
    table = Table()
    print(f"bench (live-label) on {machine()}", flush=True)
    if args.results == parser_default_results():
        args.results = str(ROOT / "bench" / "results-live-label.md")  # the full bench's table stays
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(args.site) if args.site else full_size_live_site(Path(tmp))
        model = json.loads((site / "data" / "embeddings.json").read_text())["model"]
        what = "stand-in" if model["stand_in"] else "full-size"
        with serve(site) as url, chromium() as browser:
            live_label.batch_sizes(table, browser, url, content, what)
            live_label.enter_to_row(table, browser, url, content, what)
    table.notes.append(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end: the times are "
                       "this machine's under that load, not an idle one's")
    return finish(table, args)


def parser_default_results():
    return str(ROOT / "bench" / "results.md")


def finish(table, args):
    run = ("python bench/bench.py --smoke" if args.smoke else "python bench/bench.py --phone-only" if args.phone_only
           else f"python bench/bench.py --only {args.only}" if args.only else "make bench")
    header = (f"# make bench results\n\nMachine: {machine()}\n\nRun: `{run}`"
              f"; {len(table.failed)} budget(s) missed.\n\n")
    Path(args.results).parent.mkdir(parents=True, exist_ok=True)
    notes = "".join(f"- {note}\n" for note in table.notes)
    Path(args.results).write_text(header + table.markdown() + "\n" + (f"\n{notes}" if notes else ""))
    print(f"\nwrote {args.results}; {'all budgets met' if not table.failed else f'{len(table.failed)} budget(s) MISSED'}")
    return 1 if table.failed else 0


if __name__ == "__main__":
    sys.exit(main())
