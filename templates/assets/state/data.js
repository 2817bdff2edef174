// What the page reads: the inline snapshot (read-only data, never written), the records that the store
// holds for added labels (their own files, or live mode's embeddings) and the reader's photos, and the
// files fetched when needed. The functions that take `state` read the store's state (store.js); the
// loaders only fetch and decode: effects.js and page.js hand what they bring to the store as actions.
import { decodeFloat16, rows } from '../rules/clipmath.js';
import { snap } from '../ui/snapshot.js';
import { readFigures } from '../ui/figuresfile.js';
import { shownModelData } from './modelstate.js';

export { modelsOf, shownModelData } from './modelstate.js';
export { snap };
const DIM = snap.model.dim;

const imageVectors = rows(decodeFloat16(snap.vectors.image), DIM);  // one (dim,) per photo of the build
const textVectors = new Map(snap.templates.map((template) => {      // template -> label -> (dim,)
  const vectors = rows(decodeFloat16(snap.vectors.text[template.id]), DIM);
  return [template.id, new Map(snap.default.labels.map((label, i) => [label, vectors[i]]))];
}));

export const templateOf = (id) => snap.templates.find((t) => t.id === id);

/** The build's photos, then the reader's (live mode: the default model's alone); their unit vectors at the same index,
 * the model on screen's (modelstate.js shownModelData). */
export const photosOf = (state) => (state.ownPhotos.length && !shownModelData(state)
  ? [...snap.photos, ...state.ownPhotos.map((own) => own.photo)] : snap.photos);
export function imagesOf(state) {
  const shown = shownModelData(state);
  if (shown) return shown.data.image;
  return state.ownPhotos.length ? [...imageVectors, ...state.ownPhotos.map((own) => own.vector)] : imageVectors;
}

/** The snapshot as the model on screen sees it: its model record (dim, sizes), towers (layers, heads, the files'
 * paths, relative to its data root), occlusion (its file, its grid) and gap (the modality gap's mean and two
 * components) in place of the default's. */
export function snapOf(state) {
  const shown = shownModelData(state);
  if (!shown) return snap;
  if (snapFor.record !== shown.data.record) snapFor = { record: shown.data.record, snap: { ...snap,
    model: shown.data.record.model, towers: shown.data.record.towers,  // its towers' and occlusion's paths: under
    occlusion: shown.data.record.occlusion, gap: shown.data.record.gap } };  // view.modelRoot; its grid, its gap
  return snapFor.snap;
}
let snapFor = { record: null, snap };

/** obj[key] only if obj has that key itself: a label may be called "constructor". */
export const own = (obj, key) => (obj && Object.hasOwn(obj, key) ? obj[key] : undefined);

/** An added label's record (its file's, or live mode's): { vectors, tokens, pieces, exceptions, neighbours }. */
const recordOf = (state, label) => state.info.get(label)?.record;

/** A label's (dim,) vector under a template, the model on screen's: the snapshot's (or model.json's), or its record's
 * (its file's there). */
export function vectorFor(state, templateId, label) {
  const shown = shownModelData(state);
  if (shown) return shown.data.text.get(templateId).get(label) ?? shown.labels.get(label)?.vectors?.get(templateId);
  return textVectors.get(templateId).get(label) ?? recordOf(state, label)?.vectors.get(templateId);
}

/** The label's nearest vocabulary labels under a template, from its file (the model on screen's): [[name, [cosine per
 * photo]]]. */
export function labelNeighbours(state, label, templateId) {
  const shown = shownModelData(state);
  return own((shown ? shown.labels.get(label) : recordOf(state, label))?.neighbours, templateId) ?? null;
}

// ---- tokens ------------------------------------------------------------------------------------------

export const labelTokens = (state, label) => own(snap.tokens.labels, label) ?? recordOf(state, label)?.tokens ?? null;

export function tokenException(state, templateId, label) {
  return own(own(snap.tokens.exceptions, templateId), label)
    ?? own(recordOf(state, label)?.exceptions, templateId) ?? null;
}

/** A token's text: from the snapshot, or from the record of any added label that uses it. */
export function pieceText(state, id) {
  const key = String(id);
  const known = own(snap.tokens.pieces, key);
  if (known !== undefined) return known;
  for (const entry of state.info.values()) {
    const piece = own(entry.record?.pieces, key);
    if (piece !== undefined) return piece;
  }
  return `#${id}`;
}

// ---- files fetched when needed -------------------------------------------------------------------------

const fetching = () => import('./labelfiles.js');  // the fetching code comes with the first need of it

/** start() once; again only after it failed (a Retry). */
function once(start) {
  let promise = null;
  return () => (promise ??= start().catch((error) => { promise = null; throw error; }));
}

/** The vocabulary's names (type-ahead, spellings): { list, byLower }. */
export const loadNames = once(async () => (await fetching()).fetchNames(snap));

/** A label's own file: its record, or a NotInVocabulary / AbortError rejection. */
export const fetchLabel = async (label, signal) => (await fetching()).fetchLabel(snap, label, signal);

/** The last figures' data: { crowding, cloud: [{ kind, name, x, y }] }. */
export const loadFigures = once(() => readFigures(snap.figures));
