"""Bench item 8, live mode's memory (issue #22 item 4): how much Chromium's memory grows when live mode
starts its text tower, and when it starts both towers, on the full-size model, files served on 127.0.0.1.

What is measured: the proportional set size (PSS, /proc/PID/smaps_rollup) summed over every process of the
Chromium this bench launched (found as descendants of this Python process: the browser, its GPU and
utility processes, and the renderer whose dedicated worker runs onnxruntime-web). PSS is resident memory,
with pages shared between processes counted once in all. Each point is read after the page has settled
(two seconds, then a garbage collection through CDP's HeapProfiler.collectGarbage in the page and in
live mode's worker); the peak is the renderer's own VmHWM (its largest resident size
while the towers started).

The text-attention figure's part (figure_rows, issue 33): on towers.html, live mode off, the figure near and drawn
(the page at rest), then a vocabulary label chosen in the figure and live mode started from its offer (the text
tower started, as the figure starts it, and the label's end-token attention computed by the text graph's
`end_attention`), then more labels chosen one after another, each waited for until the figure shows its cells.

    python -m bench --only live          # with the rest of live mode's rows
    python -m bench.livememory SITE [WHAT [RESULTS.md]]   # one built site, printed (and written)
"""
import json
import os
import sys
from pathlib import Path

from .common import MB, Budget, snapshot_of
from .towers import TEXT, choose, figure_labels, figure_near, towers_address

TEXT_BUDGET_MB, BOTH_BUDGET_MB = 400, 800

START = """async ([parts, photo, batch]) => {
  window.liveBench ??= new (await import('./assets/live/client.js')).LiveClient('live/manifest.json');
  const live = window.liveBench;
  const { manifest } = await live.load({ parts });
  const time = async (run) => { const t = performance.now(); await run(); return performance.now() - t; };
  const singles = [];
  for (const text of ['a photo of a tarantula.', 'a photo of a lighthouse.', 'a photo of an otter.']) {
    singles.push(await time(() => live.embedTexts([text])));
  }
  const texts = Array.from({ length: batch }, (_, i) => `a photo of a thing number ${i}.`);
  const many = await time(() => live.embedTexts(texts));
  const images = [];
  if (parts.includes('vision')) {
    const blob = new Blob([Uint8Array.from(atob(photo), (c) => c.charCodeAt(0))], { type: 'image/jpeg' });
    for (let i = 0; i < 2; i++) images.push(await time(() => live.embedImage(blob)));
  }
  return { singles, many, images, variants: { text: manifest.text.variant, vision: manifest.vision.variant } };
}"""
BATCH = 86  # one live label's texts: 6 single templates and 80 ensemble sentences (bench/live_label.py)


def chromium_processes():
    """{pid: cmdline} of this process's descendants that are Chromium (Playwright's driver is node)."""
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # the process ended while we looked
    ours, frontier = set(), {os.getpid()}
    for _ in range(16):  # bounded: a process tree is not deeper than this
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - ours
        if not frontier:
            break
        ours |= frontier
    out = {}
    for pid in ours:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "chrom" in cmdline.split(" ")[0]:
            out[pid] = cmdline
    return out


def kib(pid, field, name="smaps_rollup"):
    """A field ('Pss:', 'VmHWM:', 'VmRSS:') of /proc/PID/<name>, in bytes (0 when the process ended)."""
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def chromium_pss():
    """Bytes: PSS summed over our Chromium's processes."""
    return sum(kib(pid, "Pss:") for pid in chromium_processes())


def renderer_peak():
    """Bytes: the largest VmHWM among our Chromium's renderer processes."""
    return max((kib(pid, "VmHWM:", "status") for pid, cmd in chromium_processes().items()
                if "--type=renderer" in cmd), default=0)


class Collector:
    """Garbage collection on request in the page and in its workers (live mode's worker holds the downloaded
    bytes until V8 collects them), through CDP: the page's session auto-attaches to each worker, and
    HeapProfiler.collectGarbage is sent to each (Target.sendMessageToTarget; the answers are awaited)."""

    def __init__(self, context, page):
        self.page, self.cdp = page, context.new_cdp_session(page)
        self.workers, self.answers = [], []
        self.cdp.on("Target.attachedToTarget", lambda e: self.workers.append(e["sessionId"])
                    if e["targetInfo"]["type"] == "worker" else None)
        self.cdp.on("Target.receivedMessageFromTarget", lambda e: self.answers.append(json.loads(e["message"])))
        self.cdp.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": False})

    def settled(self):
        """Bytes: Chromium's PSS after a pause and a garbage collection everywhere."""
        self.page.wait_for_timeout(2000)
        self.cdp.send("HeapProfiler.collectGarbage")
        asked = set()
        for n, session in enumerate(self.workers, start=1000):
            message = {"id": n, "method": "HeapProfiler.collectGarbage"}
            self.cdp.send("Target.sendMessageToTarget", {"sessionId": session, "message": json.dumps(message)})
            asked.add(n)
        for _ in range(100):  # bounded: 10 s
            if asked <= {a.get("id") for a in self.answers}:
                break
            self.page.wait_for_timeout(100)
        self.page.wait_for_timeout(1000)
        return chromium_pss()


def measure(browser, url, photo_path):
    """{'text': bytes, 'both': bytes, 'peak': bytes, 'one': ms, 'image': ms, 'variants': {...}}: growth of
    Chromium's PSS from the page at rest to the text tower started (and one text embedded), and to both towers
    started (and one photo embedded)."""
    import base64
    photo = base64.b64encode(Path(photo_path).read_bytes()).decode()
    context = browser.new_context()
    page = context.new_page()
    collector = Collector(context, page)
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=60000)
    rest = collector.settled()
    text = page.evaluate(START, [["text"], photo, BATCH])
    after_text = collector.settled()
    both = page.evaluate(START, [["text", "vision"], photo, BATCH])
    after_both = collector.settled()
    peak = renderer_peak()
    context.close()
    return dict(text=after_text - rest, both=after_both - rest, peak=peak, rest=rest, one=text["singles"][-1],
                many=text["many"], image=both["images"][-1], variants=both["variants"])


def rows(table, browser, url, site, photo_path, what):
    m = measure(browser, url, photo_path)
    text, both = m["text"] / MB, m["both"] / MB
    form = f"text {m['variants']['text']}, vision {m['variants']['vision']}"
    said = page_estimate(site)
    table.add(f"8. live memory, text tower started ({what})", f"+{text:.0f} MB", Budget("<=", TEXT_BUDGET_MB, " MB"),
              text, f"Chromium's PSS over all its processes, page at rest ({m['rest'] / MB:.0f} MB) to text tower "
              f"started and {BATCH + 3} texts embedded; {form}; the page says about {said['text'] / MB:.0f} MB")
    table.add(f"8. live memory, both towers started ({what})", f"+{both:.0f} MB", Budget("<=", BOTH_BUDGET_MB, " MB"),
              both, f"the same, to both towers started and a photo embedded twice; the renderer's peak resident "
              f"size (VmHWM) {m['peak'] / MB:.0f} MB; the page says about {sum(said.values()) / MB:.0f} MB")
    return m


def figure_measure(browser, url, site, n_labels=4):
    """{'rest', 'started', 'labels': bytes, 'peak': bytes, 'times': [ms]}: Chromium's PSS on towers.html with the
    text-attention figure drawn (live mode off), after live mode started from the figure's offer for one label, and
    after n_labels - 1 more labels chosen in the figure."""
    defaults, labels = figure_labels(site, n_labels)
    context = browser.new_context()
    page = context.new_page()
    collector = Collector(context, page)
    try:
        page.goto(towers_address(url, defaults, labels))
        page.wait_for_selector("body[data-ready=true]", timeout=60000)
        figure_near(page)
        rest = collector.settled()
        page.wait_for_selector(f"#text-attention-label option[value='{labels[0]}']", state="attached", timeout=60000)
        page.select_option("#text-attention-label", labels[0])
        page.wait_for_selector(f"{TEXT}[data-state=none][data-label='{labels[0]}']", timeout=30000)
        page.click("[data-testid=live-start-text-attention]")  # the figure's offer: live mode's text tower
        page.wait_for_selector(f"{TEXT}[data-state=ready][data-label='{labels[0]}']", timeout=600000)
        started = collector.settled()
        times = [choose(page, label) for label in labels[1:]]
        after = collector.settled()
        return dict(rest=rest, started=started - rest, labels=after - rest, peak=renderer_peak(), times=times)
    finally:
        context.close()


def figure_rows(table, browser, url, site, what):
    m = figure_measure(browser, url, site)
    n = len(m["times"]) + 1
    started = m["started"] / MB
    table.add(f"8. live memory, text tower started by the text-attention figure ({what})", f"+{started:.0f} MB",
              Budget("<=", TEXT_BUDGET_MB, " MB"), started, f"Chromium's PSS over all its processes, "
              f"towers.html with the figure drawn and live mode off ({m['rest'] / MB:.0f} MB) to live mode started "
              f"from the figure's offer and one vocabulary label's end-token attention drawn")
    table.add(f"8. live memory, text-attention figure after {n} labels ({what})", f"+{m['labels'] / MB:.0f} MB",
              Budget("<=", TEXT_BUDGET_MB, " MB"), m["labels"] / MB, f"the same, after {n - 1} more vocabulary "
              f"labels chosen in the figure and drawn (each {', '.join(f'{t:.0f}' for t in m['times'])} ms from "
              f"the choice); the renderer's peak resident size (VmHWM) {m['peak'] / MB:.0f} MB")
    return m


def page_estimate(site):
    """snap.live.memory_bytes of the built page: what the Live mode button says where memory is short."""
    return snapshot_of(site)["live"]["memory_bytes"]


if __name__ == "__main__":
    from explainer.harness import chromium, serve

    from .common import Table, machine
    site = Path(sys.argv[1])
    photo = next((site / "photos").glob("*.jpg"))
    table = Table()
    with serve(site) as url, chromium() as browser:
        rows(table, browser, url, site, photo, sys.argv[2] if len(sys.argv) > 2 else "full-size")
        figure_rows(table, browser, url, site, sys.argv[2] if len(sys.argv) > 2 else "full-size")
    if len(sys.argv) > 3:
        Path(sys.argv[3]).write_text(f"# live mode's memory\n\nMachine: {machine()}\n\n"
                                     f"Run: `python -m bench.livememory SITE`\n\n{table.markdown()}\n")
