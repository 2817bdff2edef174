// The URL holds the view (format: urlstate.js); Back / Forward move through views. Photo, template and label
// changes add an entry; a temperature change (slider, keys, dragging the sweep) rewrites the current one, so
// Back never walks through temperature steps.
import { $, cell } from './dom.js';
import { parse, serialise } from './urlstate.js';

/** app: state, defaults, photos, templates, temperatures, isLabel, refresh(). */
export function createHistory(app) {
  const { state, defaults, temperatures } = app;
  let notices = [];        // the lines about the link last read
  let leftOut = [];         // the link's labels found later not to be in the vocabulary (their file is 404)

  function commit(kind) {
    app.refresh();
    const url = `#${serialise(state, temperatures)}`;
    if (url === window.location.hash) return;
    if (kind === 'tau') history.replaceState(null, '', url);
    else history.pushState(null, '', url);
  }

  /** The view changed without a step of the reader's (a link's label left out): same history entry. */
  function replaceUrl() {
    history.replaceState(null, '', `#${serialise(state, temperatures)}`);
  }

  function show() {
    const box = $('view-notice');
    const n = leftOut.length;
    const lines = n ? [...notices, `${n} label${n > 1 ? 's' : ''} in the link ${n > 1 ? 'are' : 'is'} not in the vocabulary and ${n > 1 ? 'were' : 'was'} left out.`] : notices;
    box.replaceChildren(...lines.map((line) => cell('p', line)));
    box.hidden = lines.length === 0;
  }

  /** A label of the current link is not in the vocabulary: say so in the notice. */
  function notInVocabulary(label) {
    leftOut.push(label);
    show();
  }

  /** Show the view the URL describes; labels not known yet stay in the view, fetched and checked by the page. */
  function apply() {
    let parsed;
    try {
      parsed = parse(window.location.hash, { ...app, defaults });
    } catch {
      parsed = { view: defaults, notices: ['The link could not be read; showing the default view.'] };
    }
    Object.assign(state, parsed.view, { labels: [...parsed.view.labels] });
    notices = parsed.notices;
    leftOut = [];
    show();
    app.refresh();
  }

  window.addEventListener('popstate', apply);
  return { commit, apply, notInVocabulary, replaceUrl };
}
