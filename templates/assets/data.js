// What the page reads: the inline snapshot, then files fetched when needed. A load's state is 'pending',
// 'loaded' or 'failed'; asking again after a failure fetches again.
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

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return response.json();
}

export const vocabulary = { labels: null, byLower: null, index: null, tokens: null, exceptions: null, pieces: null };

export function loadVocabulary() {
  return once('vocabulary', () => fetchJson(snap.vocabulary.labels).then((data) => {
    vocabulary.labels = data.labels;
    vocabulary.byLower = new Map(data.labels.map((label) => [label.toLowerCase(), label]));
    vocabulary.index = new Map(data.labels.map((label, i) => [label, i]));
    Object.assign(vocabulary, { tokens: data.tokens, exceptions: data.exceptions, pieces: data.pieces });
  }));
}

export function loadTemplateVectors(templateId) {
  const url = snap.vocabulary.vectors.replace('{template}', encodeURIComponent(templateId));
  return once(`vectors ${templateId}`, () => Promise.all([loadVocabulary(), fetchJson(url)]).then(([, data]) => {
    const vectors = rows(decodeFloat16(data.vectors), DIM);
    const map = textVectors.get(templateId);
    vocabulary.labels.forEach((label, i) => { if (!map.has(label)) map.set(label, vectors[i]); });
  }));
}

export const vocabularyLoaded = (templateId) => loadState(`vectors ${templateId}`) === 'loaded';

export const figureData = { crowding: null, cloud: [] };

export function loadFigures() {
  return once('figures', () => fetchJson(snap.figures).then((data) => {
    figureData.crowding = data.crowding;
    figureData.cloud = rows(decodeFloat16(data.cloud_points), 2)
      .map(([x, y], i) => ({ kind: 'vocabulary', name: data.cloud_names[i], x, y }));
    document.body.dataset.figures = 'loaded';
  }));
}

/** obj[key] only if obj has that key itself: a label may be called "constructor". */
export const own = (obj, key) => (obj && Object.hasOwn(obj, key) ? obj[key] : undefined);

export function labelTokens(label) {
  const known = own(snap.tokens.labels, label);
  if (known) return known;
  const index = vocabulary.index?.get(label);
  return index === undefined ? null : vocabulary.tokens[index];
}

export function tokenException(templateId, label) {
  const known = own(own(snap.tokens.exceptions, templateId), label);
  if (known) return known;
  const index = vocabulary.index?.get(label);
  return (index === undefined ? undefined : own(own(vocabulary.exceptions, templateId), String(index))) ?? null;
}

export const pieceText = (id) => own(snap.tokens.pieces, String(id)) ?? own(vocabulary.pieces, String(id)) ?? `#${id}`;
