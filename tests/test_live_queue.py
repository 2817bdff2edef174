"""Live mode's queue (issue #37), in Chromium (stand-in): a label entered while the last one's background work runs
(its other single templates, the ensemble's 80 sentences) is embedded before that work ends, after at most the one
background job in flight; every background job is a single text (livelabel.js ENSEMBLE_BATCH), so that wait is one
text's pass; and a label entered while the worker is free reaches it before the page draws its pending row (the
store's effects run before its subscribers). Only order and counts are checked, never times: a busy machine cannot
change them."""
from test_live_browser import browser, content, open_site  # noqa: F401  (shared fixtures)
from test_live_ui import turn_on

FIRST, SECOND = "tarantula eating sushi", "a lighthouse in a snowstorm"

# Every 'texts' message to the worker, with the labels whose rows were in the document when it was posted.
SPY = """() => {
  window.__posted = [];
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, ...rest) {
    if (message?.type === 'texts') {
      const rows = [...document.querySelectorAll('#label-rows tr[data-label]')].map((row) => row.dataset.label);
      window.__posted.push({ texts: message.texts, rows });
    }
    return post.call(this, message, ...rest);
  };
}"""

# FIRST entered; the moment its row has numbers (its background work just queued), SECOND entered, the box not
# focused (no typing hold). When SECOND's row has numbers: how many of FIRST's templates were ready then.
ENTER_BEHIND = """([first, second]) => {
  const input = document.getElementById('add-label-input');
  const ready = (label) => document.querySelector(`#label-rows tr[data-label="${label}"][data-state=ready]`);
  window.__second = new Promise((resolve) => {
    new MutationObserver((_, observer) => {
      if (ready(first) && window.__enteredAt === undefined) {
        window.__enteredAt = performance.now();
        input.value = second;
        input.form.requestSubmit();
      }
      if (!ready(second)) return;
      observer.disconnect();
      resolve(Number(ready(first).dataset.templatesReady));
    }).observe(document.getElementById('label-rows'), { childList: true, subtree: true, attributes: true });
  });
  input.blur();
  input.value = first;
  input.form.requestSubmit();
}"""

JOBS = """() => performance.getEntriesByName('live-job').map((m) => ({ start: m.startTime,
  end: m.startTime + m.duration, ...m.detail }))"""


def test_a_label_entered_during_the_background_goes_next(site, content, open_site):
    out, _ = site
    n_templates = len(content.templates)
    page, _ = open_site(out, "#template=photo")
    turn_on(page)
    page.evaluate(SPY)
    page.evaluate(ENTER_BEHIND, [FIRST, SECOND])
    first_ready_then = page.evaluate("window.__second")
    assert first_ready_then < n_templates, "the second label waited for the first one's background work"
    for label in (FIRST, SECOND):
        page.wait_for_selector(f'#label-rows tr[data-label="{label}"][data-templates-ready="{n_templates}"]',
                               timeout=120000)

    jobs = page.evaluate(JOBS)
    entered = page.evaluate("window.__enteredAt")
    background = [j for j in jobs if not j["urgent"]]
    singles = [t for t in content.templates if not t.ensemble]
    assert len(background) == 2 * (len(singles) - 1 + len(content.ensemble_templates))  # per label: the rest
    assert {j["texts"] for j in background} == {1}, "a background batch of more than one text"
    second = next(j for j in jobs if j["urgent"] and j["label"] == SECOND)
    waited_for = [j for j in background if j["end"] > entered and j["start"] < second["start"]]
    assert len(waited_for) <= 1, waited_for  # the one in flight when it was entered, no more
    assert all(j["label"] == FIRST for j in waited_for)

    # the worker was free when FIRST was entered: its text was posted before the page drew its pending row (SECOND
    # waited for the job in flight, and its row was drawn meanwhile)
    posted = page.evaluate("window.__posted")
    first_text = next(p for p in posted if p["texts"] == [f"a photo of a {FIRST}."])
    assert FIRST not in first_text["rows"], "the page drew the pending row before the worker had its text"
