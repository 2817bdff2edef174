"""Bench item 8, live mode timed exactly as a reader meets it (issue #37), in Chromium with the site served on
127.0.0.1, each run in a fresh browser context (its own empty Cache Storage) after live mode is ready
(`live-start` clicked, "Live mode is on"):

- a live label: the reader clicks the add box, types a text outside the vocabulary and presses Enter; timed in
  the page from the Enter keydown's event time to the moment `[data-testid=label-row][data-label=...][data-sim]`
  (the row that shows the numbers) is in the document. Three texts one after another, each Enter GAP_S after the
  previous one (the first GAP_S after live mode is ready), never waiting for the previous label's background
  work (its other templates and the ensemble's 80 sentences, several seconds on the full-size model): each Enter
  lands while that work runs. Typed key by key from the previous Enter on, and pasted (one insertion PASTE_S
  before Enter), both within the background's hold for typing (livelabel.js HOLD_MS); and, unbudgeted, pasted
  with Enter at once, which finds a background job in flight. With each Enter, where its wait went: the worker's
  job in flight at Enter (livelabel.js's 'live-job' measures: a background batch, its texts), the wait for its
  own job (queue), the worker's embedding.
- the first own photo: `set_input_files` on `own-photo-input`, timed from the input's `change` event to one more
  `input[name=photo]`, with its timeline (performance marks of ownphoto.js, the `live-loaded` timings, and the
  worker's own measures, read through Playwright's worker handle: each file's fetch, sha256 and Cache Storage
  write, each session's start, the photo's preprocessing and run; all in ms from the `change` event). Twice: as
  the file arrives with no sign of intent (the photo tower's whole first start), and after the reader pointed at
  the input and spent DIALOG_S in the file dialog (the tower starts on that intent, liveui.js photoIntent). Then a
  second photo.

    python -m bench.live_reader SITE_DIR [RUNS] [labels|photos]   # alone, on a built site (prints the rows)
"""
import os
import statistics
import sys
import time
from pathlib import Path

from .common import Budget

LABELS = ["tarantula eating sushi", "a lighthouse in a snowstorm", "two otters holding hands"]
DIALOG_S = 2.0  # a reader's time in the file dialog after pointing at the input (a quick one)
KEY_DELAY_MS = 40  # between keystrokes: a fast typist
GAP_S = 1.5  # between one Enter and the next (issue #37's reader); the first one after live mode is ready
PASTE_S = 0.2  # a pasted text: in the box this long before Enter

# set up before the first Enter: each label's Enter keydown time (the box's text then), and the moment its row with
# numbers is in the document; window.__rows resolves with them all
WATCH_ROWS = r"""(labels) => {
  const input = document.getElementById('add-label-input');
  const enters = {};
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') enters[input.value.trim()] ??= e.timeStamp; });
  window.__rows = Promise.all(labels.map((label) => new Promise((resolve) => {
    const selector = `[data-testid=label-row][data-label="${CSS.escape(label)}"][data-sim]`;
    const observer = new MutationObserver(() => {
      if (enters[label] === undefined || !document.querySelector(selector)) return;
      observer.disconnect();
      const tag = document.querySelector(selector).querySelector('.tag')?.textContent ?? '';
      resolve({ label, enter: enters[label], row: performance.now() - enters[label],
                model: Number(tag.match(/live · (\d+) ms/)?.[1]) });
    });
    observer.observe(document.getElementById('label-rows'), { childList: true, subtree: true, attributes: true });
  })));
}"""

# the worker's jobs (live/livelabel.js measures each one it runs as 'live-job')
JOBS = r"""() => performance.getEntriesByName('live-job').map((m) => ({ start: m.startTime, ms: m.duration,
  ...m.detail }))"""


# set up before the file arrives: the change event's time, and the moment the reader's photo is a choice (its radio,
# made with the first photo and given each new photo's id)
WATCH_PHOTO = r"""() => {
  const input = document.querySelector('[data-testid=own-photo-input]');
  const own = () => document.querySelector('input[name=photo][data-own]')?.value;
  const before = own();
  window.__photo = new Promise((resolve) => {
    let chosen = null;
    input.addEventListener('change', (e) => { chosen = e.timeStamp; }, { once: true });
    const observer = new MutationObserver(() => {
      if (chosen === null || own() === before) return;
      observer.disconnect();
      resolve(performance.now() - chosen);
    });
    observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['value'] });
  });
}"""

TIMELINE = r"""() => {
  const at = (name) => performance.getEntriesByName(name).at(-1)?.startTime;
  const chosen = at('own-photo-chosen');
  const marks = Object.fromEntries(['own-photo-intent', 'own-photo-decoded', 'own-photo-tower-ready',
    'own-photo-vector'].map((n) => [n, at(n) === undefined ? null : Math.round(at(n) - chosen)]));
  const loads = performance.getEntriesByName('live-loaded').map((m) => ({ at: Math.round(m.startTime - chosen),
    ...m.detail }));
  return { marks, loads, chosen: performance.timeOrigin + chosen };
}"""

# a live worker's own performance measures (live/download.js, live/worker.js: fetch, sha256, Cache Storage write,
# session start, the photo's preprocessing and run), on the page's clock
WORKER_STEPS = r"""() => performance.getEntriesByType('measure').map((m) => [m.name,
  performance.timeOrigin + m.startTime, m.duration])"""


def worker_steps(page, chosen):
    """[(step, ms from the photo's `change` to its start, its ms)] of live mode's workers, in order of start."""
    steps = []
    for worker in page.workers:
        if worker.url.endswith("/live/worker.js"):
            steps += [(name, start - chosen, ms) for name, start, ms in worker.evaluate(WORKER_STEPS)]
    return sorted(steps, key=lambda step: step[1])


def describe_steps(steps):
    """'step start+ms' for each step that ended after the photo was chosen."""
    return ", ".join(f"{name.removeprefix('live-')} {start:.0f}+{ms:.0f}" for name, start, ms in steps
                     if start + ms >= 0)


def live_ready(browser, url):
    """A fresh context with the page open and live mode on (the text tower ready): (context, page)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=30000)
    page.click("[data-testid=live-start]")
    page.locator("[data-testid=live-status]", has_text="Live mode is on").wait_for(timeout=600000)
    return context, page


def enter_to_row(browser, url, labels=LABELS, paste_s=None):
    """One fresh context: labels entered GAP_S apart (typed key by key, or pasted paste_s before Enter), the
    previous one's background work still running; [{label, row: ms Enter to the row with numbers, model: the
    worker's embedding, queue: Enter to its job's start, behind: the job in flight at Enter or None}]."""
    context, page = live_ready(browser, url)
    try:
        page.evaluate(WATCH_ROWS, labels)
        page.click("[data-testid=label-input]")
        last = time.monotonic()  # live mode ready: the first Enter is GAP_S after it
        for label in labels:
            if paste_s is None:
                page.keyboard.type(label, delay=KEY_DELAY_MS)
            else:
                time.sleep(max(0.0, last + GAP_S - paste_s - time.monotonic()))
                page.keyboard.insert_text(label)
            time.sleep(max(0.0, last + GAP_S - time.monotonic()))
            last = time.monotonic()
            page.keyboard.press("Enter")
        times = waited(page, "__rows")
        jobs = page.evaluate(JOBS)
    finally:
        context.close()
    for t in times:
        mine = next((j for j in jobs if j["urgent"] and j["label"] == t["label"] and j["start"] >= t["enter"]), None)
        t["queue"] = mine["start"] - t["enter"] if mine else None
        t["behind"] = next((j for j in jobs if j["start"] <= t["enter"] < j["start"] + j["ms"]), None) if jobs \
            else "unmeasured"  # a client without livelabel.js's 'live-job' measures (an older build's)
    return times


WAIT = "(name) => Promise.race([window[name], new Promise((r) => { setTimeout(() => r(null), 300000); })])"


def waited(page, name):
    """The page's promise window[name], or an error after 5 minutes: every wait is bounded."""
    ms = page.evaluate(WAIT, name)
    if ms is None:
        raise TimeoutError(f"{name}: nothing after 5 minutes")
    return ms


def own_photo(browser, url, photos, intent):
    """The first own photo in a fresh context (intent: pointed at the input DIALOG_S before the file arrives), then
    a second (another file: the same one again is no change): {first, second: ms, timeline}."""
    context, page = live_ready(browser, url)
    try:
        selector = "[data-testid=own-photo-input]"
        if intent:
            page.hover(selector)
            time.sleep(DIALOG_S)
        page.evaluate(WATCH_PHOTO)
        page.set_input_files(selector, str(photos[0]))
        first = waited(page, "__photo")
        timeline = page.evaluate(TIMELINE)
        timeline["steps"] = describe_steps(worker_steps(page, timeline.pop("chosen")))
        page.evaluate(WATCH_PHOTO)
        page.set_input_files(selector, str(photos[1]))
        second = waited(page, "__photo")
    finally:
        context.close()
    return {"first": first, "second": second, "timeline": timeline}


def label_rows(table, browser, url, what, runs=2):
    """Enter to the row with numbers as the issue's reader meets it (enter_to_row), typed, pasted, and pasted with
    Enter at once: each run's median and max, where the wait went, the machine's load average before and after."""
    for paste_s in (None, PASTE_S, 0.0):
        load = [f"{os.getloadavg()[0]:.1f}"]
        per_run = []
        for _ in range(runs):
            per_run.append(enter_to_row(browser, url, paste_s=paste_s))
            load.append(f"{os.getloadavg()[0]:.1f}")
        every = [t for times in per_run for t in times]
        median = statistics.median(t["row"] for t in every)
        runs_text = "; ".join(f"run {i + 1}: median {statistics.median(t['row'] for t in times):.0f}, max "
                              f"{max(t['row'] for t in times):.0f} ms" for i, times in enumerate(per_run))
        how = f"typed key by key ({KEY_DELAY_MS} ms apart)" if paste_s is None else \
            f"pasted {paste_s:g} s before Enter" if paste_s else "pasted, Enter at once (no hold for typing)"
        name = "typed" if paste_s is None else "pasted" if paste_s else "pasted, Enter at once"
        table.add(f"8. live label, Enter to its row with numbers, {GAP_S:g} s apart, {name} ({what})",
                  f"{median:.0f} ms", Budget("<=", 150, " ms") if paste_s != 0 else "", median,
                  f"{runs} fresh contexts x {len(LABELS)} texts, {how}, each Enter {GAP_S:g} s after the previous "
                  f"(the first {GAP_S:g} s after ready; the previous label's background work still running); "
                  f"{runs_text}; each: {', '.join(describe_wait(t) for t in every)}; load average {' → '.join(load)}",
                  timing=True)


def describe_wait(t):
    """One Enter's wait: row (queue wait, behind what, the worker's embedding)."""
    behind = t["behind"]
    if behind == "unmeasured":
        job = "jobs not measured"
    elif not behind:
        job = "idle"
    else:
        kind = "an urgent job" if behind["urgent"] else "a background batch"
        job = f"behind {kind} of {behind['texts']} text(s), {behind['ms']:.0f} ms"
    queue = "?" if t["queue"] is None else f"{t['queue']:.0f}"
    return f"{t['row']:.0f} (queue {queue}, {job}; embedding {t['model']:.0f})"


def photo_rows(table, browser, url, photos, what, runs=2):
    """The first own photo, cold and after intent, and a second: each run's time, the last cold run's timeline,
    and the machine's load average before and after."""
    for intent in (False, True):
        load = [f"{os.getloadavg()[0]:.1f}"]
        runs_of = []
        for _ in range(runs):
            runs_of.append(own_photo(browser, url, photos, intent))
            load.append(f"{os.getloadavg()[0]:.1f}")
        first = [p["first"] for p in runs_of]
        how = f"pointed at the input {DIALOG_S:g} s before the file (the tower starts on intent)" if intent \
            else "the file with no sign of intent: the photo tower's whole first start"
        budget = Budget("<=", 2000, " ms") if intent else None
        table.add(f"8. first own photo, {'after intent' if intent else 'cold'} ({what})",
                  f"{statistics.median(first):.0f} ms", budget, statistics.median(first),
                  f"{how}; change event to one more photo radio; median of {runs}, max {max(first):.0f} ms (all: "
                  f"{', '.join(f'{ms:.0f}' for ms in first)}); load average {' → '.join(load)}; "
                  f"timeline of the last (ms from the change event): {runs_of[-1]['timeline']}", timing=True)
        seconds = [p["second"] for p in runs_of]
        if intent:
            table.add(f"8. a second own photo ({what})", f"{statistics.median(seconds):.0f} ms",
                      Budget("<=", 1500, " ms"), statistics.median(seconds),
                      f"median of {runs}, max {max(seconds):.0f} ms", timing=True)


def rows(table, browser, url, photos, what, runs=2):
    """The live rows as a reader meets them: runs fresh contexts each; medians and maxima over every run."""
    label_rows(table, browser, url, what, runs)
    photo_rows(table, browser, url, photos, what, runs)


if __name__ == "__main__":
    from explainer.harness import chromium, serve

    from .common import Table
    site = Path(sys.argv[1])
    photos = sorted((Path(__file__).resolve().parent.parent / "photos").glob("*.png"))[:2]
    only = sys.argv[3] if len(sys.argv) > 3 else "all"  # labels or photos: those rows alone
    with serve(site) as url, chromium() as browser:
        what = "full-size" if "full" in str(site) else "this site"
        run = int(sys.argv[2]) if len(sys.argv) > 2 else 2
        if only in ("all", "labels"):
            label_rows(Table(), browser, url, what, run)
        if only in ("all", "photos"):
            photo_rows(Table(), browser, url, photos, what, run)
