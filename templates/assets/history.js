// The URL holds the view (format: urlstate.js); Back / Forward move through views, a slider drag is one.
import { $, cell } from './dom.js';
import { parse, serialise } from './urlstate.js';

/** app: state, defaults, photos, templates, temperatures, isLabel, refresh(), loadLabels() -> promise. */
export function createHistory(app) {
  const { state, defaults, temperatures } = app;
  let lastChange = null;

  function commit(kind) {
    app.refresh();
    const url = `#${serialise(state, temperatures)}`;
    if (url === window.location.hash) return;
    if (kind === 'tau' && lastChange === 'tau') history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    lastChange = kind;
  }

  function notice(lines) {
    const box = $('view-notice');
    box.replaceChildren(...lines.map((line) => cell('p', line)));
    box.hidden = lines.length === 0;
  }

  const withoutPending = (pending) => {
    state.labels = state.labels.filter((label) => !pending.includes(label));
    if (!state.labels.length) state.labels = [...defaults.labels];
  };

  /** Show the view the URL describes. */
  function apply() {
    let parsed;
    try {
      parsed = parse(window.location.hash, { ...app, defaults });
    } catch {
      parsed = { view: defaults, notices: ['The link could not be read; showing the default view.'], pendingLabels: [] };
    }
    Object.assign(state, parsed.view, { labels: [...parsed.view.labels] });
    lastChange = null;
    notice(parsed.notices);
    if (parsed.pendingLabels.length) {
      // labels beyond the defaults: check them against the vocabulary, then show the view again
      app.loadLabels().then(() => apply(), () => {
        withoutPending(parsed.pendingLabels);
        notice([...parsed.notices, 'The vocabulary could not be loaded, so some labels of the link were left out.']);
        app.refresh();
      });
      withoutPending(parsed.pendingLabels);  // meanwhile, show the others
    }
    app.refresh();
  }

  window.addEventListener('popstate', apply);
  return { commit, apply };
}
