// The view settings of "What the numbers mean" (content/sections/11-numbers.md), joined to store.js's state,
// actions and reducers: which caption stands for each photo in the objective figure's batch, and "centre the
// space" (kept in the link, centred=1), with the means it subtracts (data/centre.json, fetched when first on; a
// further model's own, models/<id>/data/centre.json, fetched when it is shown with the switch on: issue 36).
import { decodeFloat16 } from '../rules/clipmath.js';
import { centred } from '../rules/centre.js';
import { shownModelData } from './modelstate.js';

/** captions: photo id -> the page's label that stands in for the photo's alt text (none: its alt text);
 * typed: photo id -> a caption the reader typed (live mode: any text, embedded as it is, with no template);
 * typedVectors: typed text -> { state: 'pending' | 'ready' | 'failed', vector: (dim,) } (effects.js embeds it);
 * centred: the switch; centre: the default model's means, once fetched ({ image: (dim,), text: Map(template id ->
 * (dim,)) }); modelCentres: a further model's data root -> its means, once fetched. */
export const numbersState = () => ({ captions: new Map(), typed: new Map(), typedVectors: new Map(), centred: false,
  centre: null, modelCentres: new Map() });

export const NUMBERS_ACTIONS = {
  /** The objective figure's caption of photo `photo`: one of the page's labels, or null for its own alt text. */
  setCaption: (photo, label) => ({ type: 'setCaption', photo, label }),
  /** A caption the reader typed for photo `photo` (live mode), or null to drop it. */
  typeCaption: (photo, text) => ({ type: 'typeCaption', photo, text }),
  /** A typed caption's vector from live mode's worker, or its error. */
  captionEmbedded: (text, vector, error = null) => ({ type: 'captionEmbedded', text, vector, error }),
  setCentred: (on) => ({ type: 'setCentred', on }),
  /** The means of the model whose data root is `root` ('': the default's). */
  centreLoaded: (centre, root = '') => ({ type: 'centreLoaded', centre, root }),
};

export const NUMBERS_REDUCERS = {
  setCaption(state, { photo, label }) {
    if ((state.captions.get(photo) ?? null) === label && !state.typed.has(photo)) return state;
    const captions = new Map(state.captions);
    if (label === null) captions.delete(photo);
    else captions.set(photo, label);
    const typed = new Map(state.typed);  // a label chosen replaces a typed caption
    typed.delete(photo);
    return { ...state, captions, typed };
  },
  typeCaption(state, { photo, text }) {
    const again = text !== null && state.typedVectors.get(text)?.state === 'failed';  // typed again: a retry
    if ((state.typed.get(photo) ?? null) === text && !again) return state;
    const typed = new Map(state.typed);
    const captions = new Map(state.captions);
    captions.delete(photo);  // a typed caption replaces a label chosen
    if (text === null) typed.delete(photo);
    else typed.set(photo, text);
    const typedVectors = new Map([...state.typedVectors].filter(([t]) => [...typed.values()].includes(t)));
    if (text !== null && (again || !typedVectors.has(text))) typedVectors.set(text, { state: 'pending' });
    return { ...state, captions, typed, typedVectors };
  },
  captionEmbedded(state, { text, vector, error }) {
    if (state.typedVectors.get(text)?.state !== 'pending') return state;  // dropped meanwhile
    const typedVectors = new Map(state.typedVectors);
    typedVectors.set(text, error ? { state: 'failed', error } : { state: 'ready', vector });
    return { ...state, typedVectors };
  },
  setCentred: (state, { on }) => (state.centred === on ? state : { ...state, centred: on }),
  centreLoaded: (state, { centre, root }) => (root ? { ...state, modelCentres: new Map(state.modelCentres)
    .set(root, centre) } : { ...state, centre }),
};

/** The means of the model on screen (modelstate.js shownModelData), or null while they are on their way. */
export const centreOf = (state) => {
  const root = shownModelData(state)?.data.root;
  return (root ? state.modelCentres.get(root) : state.centre) ?? null;
};

/** The view's centring, by the means of the model on screen: null while the switch is off or the means are on their
 * way, else { image(v), text(template id, v), means } giving each vector centred and renormalised (each computed
 * once per means and vector). */
export function centring(state) {
  const means = centreOf(state);
  if (!state.centred || !means) return null;
  const { image, text } = means;
  if (memo.centre !== means) memo = { centre: means, vectors: new WeakMap() };
  const done = memo.vectors;
  const once = (v, mean) => {
    if (!done.has(v)) done.set(v, centred(v, mean));
    return done.get(v);
  };
  return { image: (v) => once(v, image), text: (templateId, v) => v && once(v, text.get(templateId)),
           means };  // the score figure centres the vocabulary of the reader's own photo itself
}
let memo = { centre: null, vectors: new WeakMap() };

/** Fetches the means of the model on screen the first time the switch is on with it shown (from a click or a link)
 * and hands them to the store. */
export function loadCentreWhenOn(store, act, file = 'data/centre.json') {
  const asked = new Set();  // the data roots whose means are asked for
  const ask = (state) => {
    const root = shownModelData(state)?.data.root ?? '';
    if (!state.centred || centreOf(state) || asked.has(root)) return;
    asked.add(root);
    fetch(root + file).then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    }).then((data) => act.centreLoaded({ image: decodeFloat16(data.image),
      text: new Map(Object.entries(data.text).map(([id, mean]) => [id, decodeFloat16(mean)])) }, root),
    () => asked.delete(root));  // asked again with the next action
  };
  store.subscribe(ask);
  ask(store.getState());
}
