"""Item 8, live mode: its download (gzip), the time from start to the first text vector, per further label and
per photo in Chromium (files served locally), and the parity of the chosen ONNX variants with torch."""
import base64
import json
import statistics
import subprocess
import sys
import time

from explainer.harness import chromium, serve
from explainer.live import describe_parity, tower_files  # light: numpy only at import

from . import attack, live_label, live_reader, livememory, occlusion, towers
from .common import MB, ROOT, Budget


def full_size_rows(table, folder, work, content):
    """Live mode on memory.py's full-size site: the export, its variants and parity, then the page."""
    seconds = live_build(folder, work)
    with serve(work / "site-mem") as url, chromium() as browser:
        manifest = live_mode(table, browser, url, work / "site-mem", content, "full-size")
        live_label.batch_sizes(table, browser, url, content, "full-size")  # bench/live_label.py: as readers feel it
        # as a reader meets it (issue #37): typed key by key, Enter to the row with numbers; the first own photo,
        # cold and after the reader's intent, and a second; each in a fresh context after live mode is ready
        live_reader.rows(table, browser, url, [p.path for p in content.photos[:2]], "full-size")
        attack.rows(table, browser, url, "full-size")  # item 13: a typed word's row in the attack lab (bench/attack.py)
        occlusion.own_photo_rows(table, browser, url, content, "full-size")  # the reader's own occlusion map
        livememory.rows(table, browser, url, work / "site-mem", content.photos[0].path, "full-size")  # its memory
        livememory.figure_rows(table, browser, url, work / "site-mem", "full-size")  # with the text-attention figure
        towers.live_rows(table, browser, url, work / "site-mem", "full-size")  # item 11: the figure's live path
    live_parity_rows(table, manifest, "full-size")
    table.add("8. live export, variants and parity (full-size)", f"{seconds:.0f} s", "", None,
              "once per model and settings; cached in .cache/live/", timing=True)


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
    manifest = json.loads((site / "live" / "manifest.json").read_text())
    text, vision = manifest["download"]["text"], manifest["download"]["vision"]
    chosen = manifest["text"]
    shipped = sum(f["gzip_bytes"] for f in tower_files(chosen))  # its graph and its weights file
    others = "; ".join(f"{c['variant']} would be {(text - shipped + c['gzip_bytes']) / MB:.1f} MB"
                       f"{'' if c['ok'] else ' (outside the bounds)'}"
                       for c in manifest["candidates"] if c["tower"] == "text" and c["variant"] != chosen["variant"])
    table.add(f"8. live mode, text download, gzip ({what})", f"{text / MB:.1f} MB", Budget("<=", 60, " MB"), text / MB,
              f"runtime {manifest['runtime']['gzip_bytes'] / MB:.1f} MB + tokenizer + {manifest['text']['variant']} "
              f"text tower (within the bounds: least memory, then bytes); {others}")
    table.add(f"8. live mode, photo download on top, gzip ({what})", f"{vision / MB:.1f} MB", "", None,
              f"{manifest['vision']['variant']} vision tower, fetched when a reader first picks a photo, or reaches "
              "for one once live mode is on (liveui.js photoIntent)")
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
    table.add(f"8. live mode, each further label ({what})", f"{per_label:.0f} ms", Budget("<=", 100, " ms"), per_label,
              f"median of {len(labels)}, max {max(times['perLabel']):.0f} ms", timing=True)
    table.add(f"8. live mode, one photo ({what})", f"{per_photo:.0f} ms", Budget("<=", 1500, " ms"), per_photo,
              f"median of {len(photos)} photos as Blobs: decode, Pillow-bicubic port, vision tower", timing=True)
    return manifest


def live_parity_rows(table, manifest, what):
    for tower in ("text", "vision"):
        chosen = manifest[tower]
        p = chosen["parity"]
        others = ", ".join(f"{c['variant']} {c['parity']['max_cosine_error']:.1e}/{c['parity']['top1_agreement']:.0%}"
                           f"{'' if c['ok'] else ' (out)'}" for c in manifest["candidates"] if c["tower"] == tower)
        table.add(f"8. live parity, {tower} tower ({what})", f"{chosen['variant']}: {p['max_cosine_error']:.1e}",
                  Budget("<=", manifest["bound"]["max_cosine_error"]), p["max_cosine_error"],
                  f"{describe_parity(p)}; candidates (error/agreement): {others}")



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
