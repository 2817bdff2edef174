// What the page reads: the inline snapshot, then files fetched when needed. A shared load (names,
// figures) is 'pending', 'loaded' or 'failed'; asking again after a failure fetches again. Each added
// label has its own file and its own state ('pending', 'ready', 'failed' or 'missing': not in the
// vocabulary); removing a pending label aborts its fetch.
import { decodeFloat16, rows } from './clipmath.js';

export const snap = JSON.parse(document.getElementById('snapshot').textContent);
const DIM = snap.model.dim;

export const imageVectors = rows(decodeFloat16(snap.vectors.image), DIM);  // one (dim,) per photo
const textVectors = new Map();                                            // template -> label -> (dim,)
for (const template of snap.templates) {
  const vectors = rows(decodeFloat16(snap.vectors.text[template.id]), DIM);
  textVectors.set(template.id, new Map(snap.default.labels.map((label, i) => [label, vectors[i]])));
}

export const vectorFor = (templateId, label) => textVectors.get(templateId).get(label);

export const templateOf = (id) => snap.templates.find((t) => t.id === id);

const loads = new Map();  // key -> { promise, state }

function once(key, start) {
  if (!loads.has(key) || loads.get(key).state === 'failed') {
    const entry = { state: 'pending' };
    entry.promise = start().then((value) => { entry.state = 'loaded'; return value; },
      (error) => { entry.state = 'failed'; throw error; });
    loads.set(key, entry);
  }
  return loads.get(key).promise;
}

export const loadState = (key) => loads.get(key)?.state;

const fetching = () => import('./labelfiles.js');  // the fetching code comes with the first need of it

/** The vocabulary's names (type-ahead, spellings): { list, byLower }, fetched once. */
export const names = { list: null, byLower: null };
export const loadNames = () => once('names', async () => Object.assign(names, await (await fetching()).fetchNames(snap)));

// ---- added labels, one file each ----------------------------------------------------------------

const added = new Map();  // label -> { state, controller, record, error }

export function labelState(label) {
  if (textVectors.get(snap.default.template).has(label)) return 'ready';
  return live.get(label)?.state ?? added.get(label)?.state;
}

export const labelError = (label) => (live.get(label) ?? added.get(label))?.error;

/** Fetch a label's file unless it has a state already (a failed one waits for forgetLabel, the Retry);
 * `settled(label)` is called when it lands or fails. */
export function requestLabel(label, settled) {
  if (labelState(label)) return;
  const entry = { state: 'pending', controller: new AbortController(), record: null, error: null };
  added.set(label, entry);
  fetching().then(({ fetchLabel }) => fetchLabel(snap, label, entry.controller.signal)).then((record) => {
    if (added.get(label) !== entry) return;  // cancelled meanwhile
    for (const [templateId, vector] of record.vectors) textVectors.get(templateId).set(label, vector);
    Object.assign(entry, { state: 'ready', record });
    settled(label);
  }, (error) => {
    if (added.get(label) !== entry) return;
    Object.assign(entry, { state: error.name === 'NotInVocabulary' ? 'missing' : 'failed', error });
    settled(label);
  });
}

/** Stop a pending fetch (the label was removed) and forget a failed one, so that asking again fetches. */
export function forgetLabel(label) {
  if (live.get(label)?.state === 'failed') live.delete(label);  // asked again, it is embedded again
  const entry = added.get(label);
  if (!entry || entry.state === 'ready') return;
  added.delete(label);
  entry.controller.abort();
}

/** The label's nearest vocabulary labels under a template, from its file: [[name, [cosine per photo]]]. */
export const labelNeighbours = (label, templateId) => own(added.get(label)?.record?.neighbours, templateId) ?? null;

// live labels (liveui.js): label -> { state, ms, error, record }; vectors and tokens go where a file's go
export const live = new Map();
export const liveMode = { on: false };
export const setVectors = (label, byTemplate) => byTemplate.forEach((v, id) => textVectors.get(id).set(label, v));

// ---- the last figures' data ------------------------------------------------------------------------

export const figureData = { crowding: null, cloud: [] };

export function loadFigures() {
  return once('figures', async () => {
    const response = await fetch(snap.figures);
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const data = await response.json();
    figureData.crowding = data.crowding;
    figureData.cloud = rows(decodeFloat16(data.cloud_points), 2)
      .map(([x, y], i) => ({ kind: 'vocabulary', name: data.cloud_names[i], x, y }));
    document.body.dataset.figures = 'loaded';
  });
}

// ---- tokens ------------------------------------------------------------------------------------------

/** obj[key] only if obj has that key itself: a label may be called "constructor". */
export const own = (obj, key) => (obj && Object.hasOwn(obj, key) ? obj[key] : undefined);

const recordOf = (label) => (added.get(label) ?? live.get(label))?.record;

export const labelTokens = (label) => own(snap.tokens.labels, label) ?? recordOf(label)?.tokens ?? null;

export function tokenException(templateId, label) {
  return own(own(snap.tokens.exceptions, templateId), label) ?? own(recordOf(label)?.exceptions, templateId) ?? null;
}

/** A token's text: from the snapshot, or from the file of any added label that uses it. */
export function pieceText(id) {
  const key = String(id);
  const known = own(snap.tokens.pieces, key);
  if (known !== undefined) return known;
  for (const entry of [...added.values(), ...live.values()]) {
    const piece = own(entry.record?.pieces, key);
    if (piece !== undefined) return piece;
  }
  return `#${id}`;
}
