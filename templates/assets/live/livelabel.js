// A live label, embedded in the worker (live/client.js) under the template on screen first, the other
// templates after it in the background; the vectors go to the store as actions (labelsLanded, then
// liveTemplatesLanded). Used by liveui.js, which owns live mode's client and the manifest's sentences.
import { fillLive as fill } from '../rules/sentences.js';  // one rule: a text's own article replaces the template's
import { snap } from '../ui/snapshot.js';

let page = null;       // { store, act }
let live = () => ({});  // () => { client, ensemble }: live mode's client and the ensemble's sentences

export function init(context, liveNow) {
  page = context;
  live = liveNow;
}

/** Embeds a pending live label: first under templateId (its row gets numbers), then the others. */
export function embedFirst(label, templateId) {
  schedule({ urgent: true, label, run: () => embedNow(label, templateId) });
}

// One batch at a time goes to the worker. A label just entered goes first; then the background batches, the
// template on screen first. The ensemble's sentences go in batches of ENSEMBLE_BATCH, so a label entered
// meanwhile waits for one batch at most.

/** Texts per background batch of ensemble sentences, chosen by measurement (`bench/bench.py --only live-label`,
 * full-size model: one label's 86 texts took 0.86x as long in batches of 8 as in one batch, 0.96x in 16s,
 * 0.95x in 32s; a batch pads to its longest text, and a label entered meanwhile waits for one batch at most). */
export const ENSEMBLE_BATCH = 8;

const jobs = [];      // { urgent, label, templates: ids it lands, run() }
let pumping = false;
const generation = new Map();  // label -> the token of its current embedding (a removed label's jobs stop)

function schedule(job) {
  jobs.push(job);
  if (!pumping) pump();
}

async function pump() {
  pumping = true;
  while (jobs.length) {
    const { template } = page.store.getState();
    const urgent = jobs.findIndex((j) => j.urgent);
    const at = urgent >= 0 ? urgent : Math.max(0, jobs.findIndex((j) => j.templates?.includes(template)));
    const [job] = jobs.splice(at, 1);
    await job.run().catch(() => {});  // each job says its own failure to the store
  }
  pumping = false;
}

const singleTemplates = () => snap.templates.filter((t) => !t.ensemble);
const ensembleTemplate = () => snap.templates.find((t) => t.ensemble);

/** The label's vector under one template, its tokens with it; it lands at once (numbers on its row), and the
 * other templates are queued. */
async function embedNow(label, templateId) {
  if (page.store.getState().info.get(label)?.state !== 'pending') return;  // removed before its turn
  const token = {};
  generation.set(label, token);
  const singles = singleTemplates();
  const template = snap.templates.find((t) => t.id === templateId);
  try {
    if (template.ensemble && !live().ensemble.length) throw new Error('the manifest lists no ensemble templates');
    const texts = template.ensemble ? live().ensemble.map((t) => fill(t, label)) : [fill(template.text, label)];
    const [{ vectors, ms }, tokens] = await Promise.all([
      live().client.embedTexts(texts), live().client.tokenize([label, ...singles.map((t) => fill(t.text, label))])]);
    const vector = template.ensemble ? unitMean(vectors) : vectors[0];
    const coming = snap.templates.map((t) => t.id).filter((id) => id !== templateId);
    const record = { vectors: new Map([[templateId, vector]]), ...tokenRecord(singles, tokens) };
    // at once, not with the frame's other landings: the background vectors must find the label ready
    page.act.labelsLanded([{ label, outcome: 'ready', record, ms, coming }]);
    queueRest(label, token, coming);
  } catch (error) {
    page.land({ label, outcome: 'failed', error });
  }
}

/** The background batches of a label: the other single templates in one, the ensemble's sentences in
 * batches of ENSEMBLE_BATCH (their unit vectors summed as they come; the mean is normalised at the end). */
function queueRest(label, token, coming) {
  const current = () => generation.get(label) === token && page.store.getState().info.get(label)?.coming;
  const landVectors = (vectors) => current() && page.act.liveTemplatesLanded(label, vectors);
  const failed = (error) => current() && page.act.liveTemplatesFailed(label, error);
  const singles = singleTemplates().filter((t) => coming.includes(t.id));
  if (singles.length) {
    schedule({ label, templates: singles.map((t) => t.id), run: async () => {
      if (!current()) return;
      const { vectors } = await live().client.embedTexts(singles.map((t) => fill(t.text, label))).catch(failed) ?? {};
      if (vectors) landVectors(singles.map((t, i) => [t.id, vectors[i]]));
    } });
  }
  const group = ensembleTemplate();
  if (!group || !coming.includes(group.id)) return;
  if (!live().ensemble.length) return failed(new Error('the manifest lists no ensemble templates'));
  const sum = new Float32Array(snap.model.dim);
  let left = live().ensemble.length;
  for (let at = 0; at < live().ensemble.length; at += ENSEMBLE_BATCH) {
    const texts = live().ensemble.slice(at, at + ENSEMBLE_BATCH).map((t) => fill(t, label));
    schedule({ label, templates: [group.id], run: async () => {
      if (!current()) return;
      const { vectors } = await live().client.embedTexts(texts).catch(failed) ?? {};
      if (!vectors) return;
      for (const v of vectors) for (let i = 0; i < v.length; i++) sum[i] += v[i];
      left -= vectors.length;
      if (!left) landVectors([[group.id, unitMean([sum])]]);
    } });
  }
  return undefined;
}

/** The worker's uncut ids as a label file holds its tokens (explainer/tokens.py): the label's own pieces,
 * and the whole ids of a template whose text merges with the label's (an exception). tokenlayout.js then
 * adds start and end and marks what the context cuts, as for a vocabulary label. */
function tokenRecord(singles, { full, pieces }) {
  const [tokens, ...prompts] = full.map((ids) => ids.slice(1, -1));
  const exceptions = {};
  singles.forEach((t, i) => {
    const { before, after } = snap.tokens.templates[t.id];
    if (prompts[i].join() !== [...before, ...tokens, ...after].join()) exceptions[t.id] = prompts[i];
  });
  return { tokens, exceptions, pieces };
}

function unitMean(vectors) {
  const mean = new Float32Array(vectors[0].length);
  for (const v of vectors) for (let i = 0; i < v.length; i++) mean[i] += v[i] / vectors.length;
  const norm = Math.hypot(...mean);
  return mean.map((x) => x / norm);
}

