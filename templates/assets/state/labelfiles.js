// Fetching what a reader adds, loaded on first need (not part of the first view): the vocabulary's names
// (type-ahead) and one label's own file, data/labels/<sha256-16>.json, with its vectors under every template.
import { decodeFloat16, rows } from '../rules/clipmath.js';
import { labelHash } from '../ui/labelhash.js';

export { labelHash };

/** A label the vocabulary does not have: its file is 404. */
export class NotInVocabulary extends Error {
  name = 'NotInVocabulary';
}

async function fetchJson(url, signal) {
  const response = await fetch(url, { signal });
  if (response.status === 404) throw new NotInVocabulary(url);
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return response.json();
}

/** -> { list: [name], byLower: Map(lower -> name) } */
export async function fetchNames(snap) {
  const list = await fetchJson(snap.vocabulary.names);
  return { list, byLower: new Map(list.map((name) => [name.toLowerCase(), name])) };
}

/**
 * One label's file -> { vectors: Map(template id -> (dim,)), tokens, pieces, exceptions, neighbours }.
 * Rejects with NotInVocabulary on a 404 and with an AbortError when `signal` aborts.
 */
export async function fetchLabel(snap, label, signal) {
  const url = snap.vocabulary.label_file.replace('{hash}', await labelHash(label));
  const record = await fetchJson(url, signal);
  if (record.label !== label) throw new Error(`${url} holds “${record.label}”, not “${label}”`);
  const byTemplate = rows(decodeFloat16(record.vectors), snap.model.dim);  // (T, dim), the snapshot's order
  if (byTemplate.length !== snap.templates.length) {
    throw new Error(`${url}: ${byTemplate.length} vectors, expected ${snap.templates.length}`);
  }
  return {
    vectors: new Map(snap.templates.map((t, i) => [t.id, byTemplate[i]])),
    tokens: record.tokens, pieces: record.pieces, exceptions: record.exceptions, neighbours: record.neighbours,
  };
}
