// The URL holds the view (format: urlstate.js); Back / Forward move through views. A subscriber of the store:
// a photo, template or label change adds an entry; a temperature change (slider, keys, dragging the sweep)
// rewrites the current one, so Back never walks through temperature steps, and so does a link's label that
// leaves the view (not in the vocabulary: no step of the reader's). Back / Forward restore the view.
// The place (at=, the element an in-page link took the reader to: links.js) stays in every address written until
// another link moves it, so a reload or a copied address opens the same view at the same place.
import { $, cell } from '../ui/dom.js';
import { actions } from './store.js';
import { parse, placeOf, serialise } from './urlstate.js';

// the state of the entries the page writes: an entry whose state is null was made by the browser following a plain
// anchor (#figure-3 typed, or a link the page did not catch), which keeps the reader's view (popstate below)
const WRITTEN = { view: true };

// the matrix's measure and the "why" figures' labels are how a figure is shown, not a step of the reader's: they
// rewrite too (as does a model's data landing, or failing: the model chosen is the step, its own entry)
const REWRITES = new Set(['setTemperature', 'labelsLanded', 'setMeasure', 'chooseWhyLabel', 'chooseRival',
  'chooseTowers', 'setCentred', 'chooseAttack', 'typeAttack', 'modelLanded', 'modelFailed']);

/** options: defaults, photos, templates, temperatures, isLabel(label), maxLabels (labels read from a link),
 * showPlace(id) (scrolls to a place: links.js). */
export function createHistory(store, options) {
  const { temperatures } = options;
  let place = placeOf(window.location.hash);
  const addressAt = (at) => `#${serialise(store.getState(), temperatures, at)}`;
  if (history.state === null) history.replaceState(WRITTEN, '', window.location.href);  // the entry opened

  function write(state, action) {
    if (action.type === 'restore') return;  // the URL's own view
    const url = `#${serialise(state, temperatures, place)}`;
    if (url === window.location.hash) return;
    if (REWRITES.has(action.type)) history.replaceState(WRITTEN, '', url);
    else history.pushState(WRITTEN, '', url);
  }

  /** An in-page link followed: a new entry with the same view at the link's place (scrolling is the caller's). */
  function goTo(at) {
    place = at;
    const url = addressAt(at);
    if (url !== window.location.hash) history.pushState(WRITTEN, '', url);
  }

  /** The lines about the link last read, and its labels found later not to be in the vocabulary. */
  function showNotice({ notices, leftOut }) {
    const box = $('view-notice');
    const n = leftOut.length;
    const leftOutLine = `${n} label${n > 1 ? 's' : ''} in the link ${n > 1 ? 'are' : 'is'} not in the vocabulary and ${
      n > 1 ? 'were' : 'was'} left out.`;
    const lines = n ? [...notices, leftOutLine] : notices;
    box.replaceChildren(...lines.map((line) => cell('p', line)));
    box.hidden = lines.length === 0;
  }

  store.subscribe((state, previous, action) => {
    if (state.notices !== previous.notices || state.leftOut !== previous.leftOut) showNotice(state);
    write(state, action);
  });

  /** Show the view the URL describes; labels not known yet stay in the view, fetched and checked by the page. */
  function apply() {
    let parsed;
    try {
      // the reader's own photo in the store (chosen here, or kept by another page: live/ownkept.js) may be named too
      const own = store.getState().ownPhotos.map((kept) => kept.photo.id);
      parsed = parse(window.location.hash, { ...options, photos: [...options.photos, ...own] });
    } catch {
      parsed = { view: options.defaults, notices: ['The link could not be read; showing the default view.'] };
    }
    store.dispatch(actions.restore(parsed.view, parsed.notices));
    store.dispatch(actions.setCentred(Boolean(parsed.view.centred)));  // a view setting the restore leaves alone
  }

  window.addEventListener('popstate', (event) => {
    place = placeOf(window.location.hash);
    const bare = !window.location.hash.includes('=');
    if (event.state === null && bare) {  // a plain anchor followed in the page: the view stays, the address says it
      history.replaceState(WRITTEN, '', addressAt(place));
      return;
    }
    apply();  // Back / Forward (the browser puts the scroll back), or a view's address typed in
    if (event.state === null) {  // typed in: the browser found no element by that name, the page goes to its place
      history.replaceState(WRITTEN, '', window.location.href);
      options.showPlace?.(place);
    }
  });
  return { apply, goTo, place: () => place, addressAt };
}
