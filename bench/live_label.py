"""Bench item 8, a live label as the reader feels it (issue #22 item 2), in Chromium with the site served on
127.0.0.1: live mode started (the text tower ready), then a text outside the vocabulary typed and Enter
pressed. Two times per label, measured in the page (performance.now()): Enter to its row with numbers
(data-state=ready: embedded under the template on screen), and Enter to every template ready
(data-templates-ready = the number of templates: the other single templates and the ensemble's sentences,
embedded in the background). And the batch size for the background: the 86 texts of one label (6 single
templates + 80 ensemble sentences) through LiveClient in one batch against batches of 8, 16 and 32.

    python -m bench --only live          # with the rest of live mode's rows
"""
import statistics

from .common import Budget
from .live_reader import live_ready

LABELS = ["tarantula eating sushi", "a lighthouse in a snowstorm", "two otters holding hands",
          "a broken umbrella", "an origami crane", "a bowl of ramen at night", "a vintage typewriter"]

# Enter pressed in the add-label box; the row watched until it has numbers, then until every template is ready.
ENTER_TO_ROW = r"""async ([label, nTemplates]) => {
  const input = document.getElementById('add-label-input');
  const times = {};
  const seen = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const row = document.querySelector(`#label-rows tr[data-label="${CSS.escape(label)}"]`);
      if (!row) return;
      if (row.dataset.state === 'ready' && times.row === undefined) {
        times.row = performance.now();
        times.model = Number(row.querySelector('.tag')?.textContent.match(/live · (\d+) ms/)?.[1]);
      }
      if (Number(row.dataset.templatesReady) === nTemplates && row.dataset.state === 'ready') {
        times.all = performance.now();
        observer.disconnect();
        resolve();
      }
    });
    observer.observe(document.getElementById('label-rows'), { childList: true, subtree: true, attributes: true });
  });
  input.value = label;
  const start = performance.now();
  input.form.requestSubmit();  // what Enter does
  await seen;
  return { row: times.row - start, all: times.all - start, model: times.model };
}"""

# One label's 86 texts through a LiveClient of its own (its own worker): one batch, or batches of n.
BATCHES = """async ([labels, singles, sizes]) => {
  const { LiveClient } = await import('./assets/live/client.js');
  const live = new LiveClient('live/manifest.json');
  const { manifest } = await live.load();
  const fill = (t, label) => t.split('{label}').join(label);
  await live.embedTexts(['a warm-up sentence.']);
  const out = {};
  for (const size of sizes) out[size] = [];
  for (const label of labels) {
    const texts = [...singles.map((t) => fill(t, label)), ...manifest.ensemble_templates.map((t) => fill(t, label))];
    for (const size of sizes) {
      const start = performance.now();
      for (let at = 0; at < texts.length; at += size) await live.embedTexts(texts.slice(at, at + size));
      out[size].push(performance.now() - start);
    }
  }
  live.terminate();
  return { times: out, n: singles.length + manifest.ensemble_templates.length };
}"""


def batch_sizes(table, browser, url, content, what, sizes=(86, 32, 16, 8)):
    """Milliseconds for one label's texts in batches of each size (median over labels); returns {size: ms}."""
    singles = [t.text for t in content.templates if not t.ensemble]
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=30000)
    result = page.evaluate(BATCHES, [LABELS[:3], singles, list(sizes)])
    context.close()
    medians = {int(size): statistics.median(ms) for size, ms in result["times"].items()}
    n = result["n"]
    one = medians[max(medians)]
    table.add(f"8. live label, {n} texts in one batch ({what})", f"{one:.0f} ms", "", None,
              "6 single templates + the ensemble's sentences; median of 3 labels", timing=True)
    for size in sorted(medians):
        if size < n:
            table.add(f"8. live label, {n} texts in batches of {size} ({what})", f"{medians[size]:.0f} ms", "", None,
                      f"{medians[size] / one:.2f}x one batch", timing=True)
    return medians


def enter_to_row(table, browser, url, content, what, runs=5):
    """Live mode on, then runs labels added one after another: Enter to numbers, Enter to every template."""
    context, page = live_ready(browser, url)
    n_templates = len(content.templates)
    page.evaluate(ENTER_TO_ROW, ["a warm-up label", n_templates])  # the first run of each shape is slower
    times = [page.evaluate(ENTER_TO_ROW, [label, n_templates]) for label in LABELS[:runs]]
    template = page.eval_on_selector("#template-select", "el => el.value")
    context.close()
    row = statistics.median(t["row"] for t in times)
    model = statistics.median(t["model"] for t in times)
    whole = statistics.median(t["all"] for t in times)
    table.add(f"8. live label, Enter to a row with numbers, the worker idle ({what})", f"{row:.0f} ms",
              Budget("<=", 150, " ms"), row,
              f"median of {runs}, max {max(t['row'] for t in times):.0f} ms; each label entered once the last one's "
              "templates were all ready (the issue's reader, 1.5 s apart: bench/live_reader.py); embedded under "
              f"the template on screen ({template!r}) first; of which the worker's embedding {model:.0f} ms",
              timing=True)
    table.add(f"8. live label, all templates ready ({what})", f"{whole:.0f} ms", "", None,
              f"median of {runs}; the other templates and the ensemble's sentences, in the background", timing=True)
    return row, whole
