// A further model's files (issue 36), fetched when that model is chosen, never with the first view: its
// models/<id>/data/model.json (modelset.py write_further_model: the snapshot's model-dependent keys) and, in the same
// action (modelLanded), its label files of the vocabulary labels on screen, so the view switches once, with every
// number it shows; a label added later comes on its own. The file names mirror the default's data/, under the model's
// root. Loaded by effects.js with the first model chosen; what it fetches goes to the store as actions.
import { decodeFloat16, rows } from '../rules/clipmath.js';
import { snap } from '../ui/snapshot.js';
import { actions } from './store.js';
import { NotInVocabulary, fetchLabel } from './labelfiles.js';

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/** A model.json record -> the store's data (modelstate.js): the photos' vectors and the build's labels' under every
 * template, decoded once. */
function decoded(entry, record) {
  const dim = record.model.dim;
  const text = new Map(snap.templates.map((template) => {
    const vectors = rows(decodeFloat16(record.vectors.text[template.id]), dim);  // (L_default, dim)
    return [template.id, new Map(snap.default.labels.map((label, i) => [label, vectors[i]]))];
  }));
  return { image: rows(decodeFloat16(record.vectors.image), dim), text, builtin: new Set(snap.default.labels), dim,
    root: entry.root, record };
}

const names = new Map();  // model id -> the promise of its vocabulary's names (a Set), asked once

/** One label's file in a further model's folder -> [label, its entry in modelData's labels (modelstate.js)]; a label
 * its vocabulary lacks (it may be shorter than the default's) is looked up in its names, never asked for (no 404). */
async function labelOf(entry, record, label) {
  const model = { templates: snap.templates, model: record.model,
    vocabulary: { label_file: entry.root + record.vocabulary.label_file } };
  try {
    if (!names.has(entry.id)) {
      names.set(entry.id, fetchJson(entry.root + record.vocabulary.names).then((list) => new Set(list),
        (error) => { names.delete(entry.id); throw error; }));
    }
    if (!(await names.get(entry.id)).has(label)) return [label, { state: 'missing' }];
    const { vectors, neighbours } = await fetchLabel(model, label);
    return [label, { state: 'ready', vectors, neighbours }];
  } catch (error) {
    return [label, error instanceof NotInVocabulary ? { state: 'missing' } : { state: 'failed', error }];
  }
}

/** The view's labels a further model needs a file for: the vocabulary's (landed as the default model's files), not
 * the build's (in model.json), nor live texts (the default model's alone), nor one it has. */
const wanted = (state, have) => state.labels.filter((label) => !snap.default.labels.includes(label)
  && !state.live.includes(label) && state.info.get(label)?.state === 'ready' && !have.has(label));

/** store -> run(state): called by effects.js after every action while a further model is chosen. */
export function modelEffects(store) {
  const asked = new Set();  // model ids, and `${id}\n${label}`, whose fetch has begun
  return (state) => {
    const id = state.model;
    const entry = id && state.modelData.get(id);
    const meta = entry && snap.models.find((model) => model.id === id);
    if (!meta) return;
    if (entry.state === 'pending' && !asked.has(id)) {
      const labels = wanted(state, entry.labels);
      const keys = [id, ...labels.map((label) => `${id}\n${label}`)];
      keys.forEach((key) => asked.add(key));
      fetchJson(meta.file).then(async (record) => {
        const landed = await Promise.all(labels.map((label) => labelOf(meta, record, label)));
        store.dispatch(actions.modelLanded(id, decoded(meta, record), landed));
      }).catch((error) => {
        keys.forEach((key) => asked.delete(key));  // chosen again: asked again
        store.dispatch(actions.modelFailed(id, error));
      });
    }
    if (entry.state !== 'ready') return;
    for (const label of wanted(state, entry.labels).filter((l) => !asked.has(`${id}\n${l}`))) {
      asked.add(`${id}\n${label}`);
      labelOf(meta, entry.data.record, label).then((landed) => store.dispatch(actions.modelLanded(id, null, [landed])));
    }
  };
}
