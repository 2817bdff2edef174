// The page's state, and the only code that changes it. reduce(state, action) is pure: it returns a new
// state and never changes the one it is given, so it runs in Node as it runs here (tests/store_in_node.mjs).
// createStore() holds the current state and, after each action that changed it, hands it to its effects
// (effects.js: the label files' fetches, live labels' embedding), whose results come back as actions, then calls
// every subscriber with (state, previous, action): the figures, the URL and history, the label editor.
// No other module writes the view; the inline snapshot is read-only data.
//
// A candidate label's state: 'ready' (its vectors are here: the snapshot's, its own file's or live mode's),
// 'pending' (its file is on its way, or live mode is embedding it), 'waiting' (a text outside the
// vocabulary, until live mode is on), 'failed' (a Retry asks again) or 'missing' (not in the vocabulary:
// it leaves the view). A label removed while pending is forgotten (cancelled): its fetch is aborted.
// A live label lands with its vector under the template on screen first; the others follow (its entry's
// `coming` lists them): under a template still coming, the label is 'pending' again, never scored.
import { TOWERS, chooseTowers, towerActions } from './towers.js';
import { holdState } from './holdstate.js';
import { NUMBERS_ACTIONS, NUMBERS_REDUCERS, numbersState } from './numbersstate.js';
import { ATTACK_ACTIONS, ATTACK_REDUCERS, attackState } from './attackstate.js';
import { MODEL_ACTIONS, MODEL_REDUCERS, modelState, onShownModel, withModel } from './modelstate.js';

// characters of a live text: the model reads its first 77 tokens (the tokens figure shows the cut); about four
// characters a token, so a longer text could never be read whole
export const MAX_LIVE_LENGTH = 300;

export { cleanLabel, reservedLabel } from './labeltext.js';  // a label as stored; one no chart can show

/** defaults: { photo, template, tauIndex, labels }; builtin: the labels whose vectors the snapshot holds. */
export function initialState(defaults, builtin, measure = 'similarity') {
  return {
    defaults, builtin: new Set(builtin),
    photo: defaults.photo, template: defaults.template, tauIndex: defaults.tauIndex,
    labels: [...defaults.labels],  // every candidate, in the reader's order
    live: [],                      // the candidates outside the vocabulary, embedded by live mode
    info: new Map(),               // label -> { state, mine, record, error, ms, coming } for labels not in the snapshot
    liveMode: 'off',               // 'off', 'starting' or 'on'
    ownPhotos: [],                 // the reader's photo, [{ photo, vector, occlusion }]: one at a time
    ownCount: 0,                   // the reader's photos so far: each gets a new id, so every figure redraws
    measure,                       // the matrix shows 'similarity' or 'probability'
    figures: { state: undefined, crowding: null, cloud: [] },  // the last figures' data (figures.json)
    names: null,                   // the vocabulary's names, { list, byLower }, once loaded
    notices: [], leftOut: [],      // the lines about the link last read; its labels found not in the vocabulary
    why: { label: null, rival: null },  // the "why" figures' label (null: the top one), the difference map's second
    hovered: null,                 // the label the reader points at or focuses anywhere (hover.js); null: none
    towers: TOWERS,                // inside the towers' figures: layer, head, view (state/towers.js)
    ...numbersState(), ...attackState(), ...modelState(),  // the deep dives' settings, the attack lab's, the model
  };
}

// ---- actions: plain objects, made by these functions ------------------------------------------------

export const actions = {
  choosePhoto: (id) => ({ type: 'choosePhoto', id }),
  chooseTemplate: (id) => ({ type: 'chooseTemplate', id }),
  setTemperature: (tauIndex) => ({ type: 'setTemperature', tauIndex }),
  setMeasure: (measure) => ({ type: 'setMeasure', measure }),
  /** live: a text outside the vocabulary, embedded by live mode. */
  addLabel: (label, live = false) => ({ type: 'addLabel', label, live }),
  removeLabel: (label) => ({ type: 'removeLabel', label }),
  moveLabel: (index, step) => ({ type: 'moveLabel', index, step }),
  retryLabel: (label) => ({ type: 'retryLabel', label }),
  /** landings: [{ label, outcome: 'ready' | 'failed' | 'missing', record, error, ms, coming }], shown together;
   * coming: the template ids whose vectors a live label's record does not hold yet. */
  labelsLanded: (landings) => ({ type: 'labelsLanded', landings }),
  labelLoaded: (label, record, ms) => ({ type: 'labelsLanded', landings: [{ label, outcome: 'ready', record, ms }] }),
  labelFailed: (label, error) => ({ type: 'labelsLanded', landings: [{ label, outcome: 'failed', error }] }),
  /** vectors: [[template id, (dim,)]] of a live label that landed, embedded in the background. */
  liveTemplatesLanded: (label, vectors) => ({ type: 'liveTemplatesLanded', label, vectors }),
  /** a live label's background embedding failed: the label fails (its Retry embeds it again). */
  liveTemplatesFailed: (label, error) => ({ type: 'liveTemplatesFailed', label, error }),
  startLive: () => ({ type: 'startLive' }), liveReady: () => ({ type: 'liveReady' }),
  liveFailed: () => ({ type: 'liveFailed' }), namesLoaded: (names) => ({ type: 'namesLoaded', names }),
  /** photo: its fields for the figures, its id from nextOwnPhotoId(); vector: its unit embedding (dim,). */
  addOwnPhoto: (photo, vector) => ({ type: 'addOwnPhoto', photo, vector }),
  /** The occlusion map's vectors of the reader's photo `id`, embedded by live mode: occlusion is { done, total }
   * while they come, then { done, total, vectors: [(dim,)] row by row, square: its RGBA bytes }, or { error }. */
  ownOcclusion: (id, occlusion) => ({ type: 'ownOcclusion', id, occlusion }),
  /** view: { photo, template, tauIndex, labels, live } read from the URL (urlstate.js parse). */
  restore: (view, notices = []) => ({ type: 'restore', view, notices }),
  figuresLoading: () => ({ type: 'figures', figures: { state: 'pending', crowding: null, cloud: [] } }),
  figuresLoaded: (crowding, cloud) => ({ type: 'figures', figures: { state: 'loaded', crowding, cloud } }),
  figuresFailed: () => ({ type: 'figures', figures: { state: 'failed', crowding: null, cloud: [] } }),
  /** The label the "why" figures explain (the occlusion map, the dot product); null: the top label. */
  chooseWhyLabel: (label) => ({ type: 'chooseWhyLabel', label }),
  /** The rival: the occlusion map's second label and the two-label figure's; null: none there, the runner-up here. */
  chooseRival: (label) => ({ type: 'chooseRival', label }),
  hoverLabel: (label) => ({ type: 'hoverLabel', label }),  // pointed at or focused anywhere (hover.js); null: none
  ...towerActions,  // inside the towers: chooseLayer, chooseHead, chooseAttentionView, chooseTextLayer
  ...NUMBERS_ACTIONS, ...MODEL_ACTIONS,  // chooseModel, modelLanded, modelFailed (modelstate.js)
  ...ATTACK_ACTIONS,  // the attack lab's: chooseAttack, typeAttack, attackStamped (attackstate.js)
};
// ---- what the state says -----------------------------------------------------------------------------

/** A label's state under the chosen template and model (see the top of this file; modelstate.js onShownModel);
 * undefined for a label the page has not heard of. */
export function labelState(state, label) {
  const entry = state.info.get(label);
  if (!entry) return onShownModel(state, label, state.builtin.has(label) ? 'ready' : undefined);
  return onShownModel(state, label, entry.state === 'ready' && entry.coming?.includes(state.template) ? 'pending'
    : entry.state);
}

/** How many templates a label has a vector for (its record's); null for the snapshot's (every template). */
export function templatesReady(state, label) {
  const entry = state.info.get(label);
  if (!entry) return null;
  return entry.state === 'ready' ? entry.record?.vectors?.size ?? null : 0;
}

/** The templates whose vectors a live label still waits for (ids, in the order they were asked for). */
export const templatesComing = (state, label) => state.info.get(label)?.coming ?? [];

/** The labels that are scored: the candidates whose vectors are here, in order. */
export const scoredLabels = (state) => state.labels.filter((label) => labelState(state, label) === 'ready');

/** The "why" figures' labels, resolved: { label, rival }, a chosen label that is no longer scored giving way to the
 *  top label (label) or to none (rival); the rival is never the label itself. */
export function whyLabels(state, topLabel) {
  const scored = scoredLabels(state);
  const label = scored.includes(state.why.label) ? state.why.label : topLabel;
  const rival = scored.includes(state.why.rival) && state.why.rival !== label ? state.why.rival : null;
  return { label, rival };
}

export const nextOwnPhotoId = (state) => `own:${state.ownCount + 1}`;
// ---- the reducer -------------------------------------------------------------------------------------

const without = (list, item) => list.filter((x) => x !== item);

/** Every candidate not in the snapshot and not heard of yet gets its state: a file to fetch ('pending'),
 * or a text for live mode ('pending' while it is on, 'waiting' until then). */
function withRequests(state, mine = new Set()) {
  const missing = state.labels.filter((label) => labelState(state, label) === undefined);
  if (!missing.length) return state;
  const info = new Map(state.info);
  for (const label of missing) {
    const waits = state.live.includes(label) && state.liveMode !== 'on';
    info.set(label, { state: waits ? 'waiting' : 'pending', mine: mine.has(label) });
  }
  return { ...state, info };
}

/** A label that is not ready (or a live one still waiting for templates) is forgotten (a pending fetch is
 * cancelled), so that asking again asks anew. */
function forget(state, label) {
  const entry = state.info.get(label);
  if (!entry || (entry.state === 'ready' && !entry.coming?.length)) return state;
  const info = new Map(state.info);
  info.delete(label);
  return { ...state, info };
}

function landed(state, landings) {
  const info = new Map(state.info);
  let { labels, leftOut } = state;
  for (const { label, outcome, record = null, error = null, ms, coming } of landings) {
    const entry = info.get(label);
    if (entry?.state !== 'pending') continue;  // cancelled meanwhile
    info.set(label, { state: outcome, mine: false, record, error, ms, ...(coming?.length ? { coming } : {}) });
    if (outcome !== 'missing' || !labels.includes(label)) continue;
    labels = without(labels, label);  // not in the vocabulary: it leaves the view
    if (!entry.mine) leftOut = [...leftOut, label];
  }
  if (!labels.length) labels = [...state.defaults.labels];
  return { ...state, info, labels, leftOut };
}

/** A live label's vectors embedded in the background join its record; the templates left stay coming. */
function templatesLanded(state, { label, vectors }) {
  const entry = state.info.get(label);
  if (entry?.state !== 'ready' || !entry.coming) return state;  // removed (forgotten) meanwhile
  const ids = new Set(vectors.map(([id]) => id));
  const coming = entry.coming.filter((id) => !ids.has(id));
  const record = { ...entry.record, vectors: new Map([...entry.record.vectors, ...vectors]) };
  const next = { ...entry, record, coming };
  if (!coming.length) delete next.coming;  // a fresh object: deleting from it changes nothing shared
  const info = new Map(state.info).set(label, next);
  return { ...state, info };
}

function templatesFailed(state, { label, error }) {
  const entry = state.info.get(label);
  if (entry?.state !== 'ready' || !entry.coming) return state;
  return { ...state, info: new Map(state.info).set(label, { state: 'failed', mine: false, error }) };
}

const REDUCERS = {
  choosePhoto: (state, { id }) => (id === state.photo ? state : { ...state, photo: id }),
  chooseTemplate: (state, { id }) => (id === state.template ? state : { ...state, template: id }),
  setTemperature: (state, { tauIndex }) => (tauIndex === state.tauIndex ? state : { ...state, tauIndex }),
  setMeasure: (state, { measure }) => (measure === state.measure ? state : { ...state, measure }),
  addLabel(state, { label, live }) {
    if (state.labels.includes(label)) return state;
    const next = { ...state, labels: [...state.labels, label], live: live ? [...state.live, label] : state.live };
    return withRequests(next, new Set([label]));
  },
  removeLabel(state, { label }) {
    if (!state.labels.includes(label) || state.labels.length === 1) return state;  // one label stays
    return forget({ ...state, labels: without(state.labels, label), live: without(state.live, label) }, label);
  },
  moveLabel(state, { index, step }) {
    const j = index + step;
    if (index < 0 || j < 0 || index >= state.labels.length || j >= state.labels.length) return state;
    const labels = [...state.labels];
    [labels[index], labels[j]] = [labels[j], labels[index]];
    return { ...state, labels };
  },
  retryLabel(state, { label }) {
    if (labelState(state, label) !== 'failed') return state;
    return withRequests(forget(state, label), new Set([label]));
  },
  labelsLanded: (state, { landings }) => landed(state, landings),
  liveTemplatesLanded: templatesLanded, liveTemplatesFailed: templatesFailed,
  startLive: (state) => (state.liveMode === 'off' ? { ...state, liveMode: 'starting' } : state),
  liveFailed: (state) => (state.liveMode === 'on' ? state : { ...state, liveMode: 'off' }),
  liveReady(state) {
    if (state.liveMode === 'on') return state;
    const info = new Map(state.info);
    for (const [label, entry] of info) if (entry.state === 'waiting') info.set(label, { ...entry, state: 'pending' });
    return { ...state, liveMode: 'on', info };
  },
  addOwnPhoto: (state, { photo, vector }) => ({ ...state, ownPhotos: [{ photo, vector }], photo: photo.id,
    ownCount: Math.max(state.ownCount + 1, Number(String(photo.id).split(':')[1]) || 0) }),  // a kept one's number
  ownOcclusion: (state, { id, occlusion }) => (state.ownPhotos[0]?.photo.id !== id ? state  // a photo replaced
    : { ...state, ownPhotos: [{ ...state.ownPhotos[0], occlusion }] }),
  restore(state, { view, notices }) {
    const { photo, template, tauIndex, labels, live = [], measure = 'similarity' } = view;
    const { why = {}, towers = {}, attack } = view;
    const next = { photo, template, tauIndex, labels: [...labels], live: [...live], measure, attack: attack ?? null,
                   why: { label: why.label ?? null, rival: why.rival ?? null }, towers: { ...TOWERS, ...towers } };
    return withRequests(withModel({ ...state, ...next, notices, leftOut: [] }, view.model ?? null));
  },
  figures: (state, { figures }) => ({ ...state, figures }), chooseTowers,  // state/towers.js
  namesLoaded: (state, { names }) => ({ ...state, names }),
  chooseWhyLabel: (state, { label }) => (label === state.why.label ? state
    : { ...state, why: { ...state.why, label } }),
  chooseRival: (state, { label }) => (label === state.why.rival ? state
    : { ...state, why: { ...state.why, rival: label } }),
  hoverLabel: (state, { label }) => (label === state.hovered ? state : { ...state, hovered: label }),
  ...NUMBERS_REDUCERS, ...ATTACK_REDUCERS, ...MODEL_REDUCERS,
};

/** state in, action in, new state out (the same object when nothing changed). */
export function reduce(state, action) {
  const reducer = REDUCERS[action.type];
  if (!reducer) throw new Error(`no such action: ${action.type}`);
  return reducer(state, action);
}

/** The page's one store: dispatch(action), subscribe(listener(state, previous, action)), getState(); effects(store)
 * -> run(action, state): the page's side effects (effects.js), handed every action before the subscribers. */
export const createStore = (initial, effects = null) => holdState(initial, reduce, effects);
