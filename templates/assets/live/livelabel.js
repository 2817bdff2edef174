// A live label, embedded in the worker (live/client.js) under the template on screen first, the other
// templates after it in the background. What it embeds goes back as promises to effects.js, the page's one
// module of side effects, which hands it to the store as actions (labelsLanded, then liveTemplatesLanded).
// liveui.js owns live mode's client and the manifest's sentences and hands them over (init).
import { fillLive as fill } from '../rules/sentences.js';  // one rule: a text's own article replaces the template's
import { snap } from '../ui/snapshot.js';

let getState = () => ({});  // the store's state: the template on screen, whether a label is still pending
let live = () => ({});      // () => { client, ensemble }: live mode's client and the ensemble's sentences

export function init(store, liveNow) {
  getState = store.getState;
  live = liveNow;
}

/** A pending live label's vector under templateId -> its landing ({ label, outcome: 'ready', record, ms, coming }
 * or { label, outcome: 'failed', error }), or null when it was removed before its turn. */
export function embedFirst(label, templateId) {
  const texts = snap.templates.find((t) => t.id === templateId)?.ensemble ? live().ensemble?.length : 1;
  return urgently(label, texts, () => embedNow(label, templateId));
}

/** A caption the reader typed (the objective figure), embedded as it is, with no template: its unit vector (dim,). */
export const embedCaption = (text) => urgently(text, 1,
  () => live().client.embedTexts([text]).then(({ vectors }) => vectors[0]));

/** A prompt's numbers for the text-attention figure (figures/text-attention.js): the end token's attention per
 * layer ({layers, tokens, pieces, attention}, or null: client.js textAttention); the figure is on screen and its
 * label chosen. */
export const endAttention = (prompt) => urgently(prompt, 1, () => live().client.textAttention(prompt));

/** run() (texts: how many it embeds) as an urgent job: the reader waits for it, so it goes before the background
 * batches, as a label just entered does. Its promise answers with run()'s. */
function urgently(label, texts, run) {
  return new Promise((resolve, reject) => {
    schedule({ urgent: true, label, texts, run: () => run().then(resolve, reject) });
  });
}

// One job at a time goes to the worker, and an onnxruntime run cannot be interrupted: a label entered meanwhile
// waits for the job in flight. A label just entered goes first; then the background batches, the template on screen
// first, each one pass of one text, so that wait is one text's pass at most.

/** Texts per background batch of ensemble sentences, chosen by measurement (bench/live_label.py batch_sizes,
 * full-size model): one label's 86 texts (6 single templates + 80 ensemble sentences) took as long in batches of 1
 * as of 2 (load 7-8 on 2 cores, two rounds of 3 labels, medians 12.0 and 11.5 s against 11.9 and 11.6 s; earlier,
 * load 8-11: 11.6 s in 1s, 9.7 s in 2s, 13.2 s in 8s, 13.6 s in one batch): the single-threaded wasm gains little
 * from larger batches, and a label entered meanwhile waits for the batch in flight: one text, not two. */
export const ENSEMBLE_BATCH = 1;

const jobs = [];      // { urgent, label, texts: how many, templates: ids it lands, run() }
let pumping = false;  // a job in flight
const generation = new Map();  // label -> the token of its current embedding (a removed label's jobs stop)

// While the reader types the next label (the add box focused and not empty), the background batches wait, at most
// HOLD_MS in a row: Enter then finds the worker free rather than in the middle of a batch of another label's
// ensemble sentences (a full-size batch of 8 is a few hundred ms on a busy phone, all of it added to the row's wait).
const HOLD_MS = 4000;
let held = null;     // when the background began to wait for the reader's typing
let holding = null;  // the timer that looks again, every 100 ms, while it waits
const typing = () => {
  const input = document.getElementById('add-label-input');
  return !!input && document.activeElement === input && input.value.trim() !== '';
};

function schedule(job) {
  jobs.push(job);
  if (!pumping) pump();  // the worker is free: the job starts now, in the caller's task
}

/** The jobs, one at a time, a label just entered first. It stops when none is left, or while the background waits
 * for the reader's typing: a job scheduled then starts at once, synchronously up to its message to the worker, so
 * an urgent text reaches the worker in the task of the Enter that made it, before the page draws its pending row. */
async function pump() {
  pumping = true;
  clearTimeout(holding);
  while (jobs.length) {
    const urgent = jobs.findIndex((j) => j.urgent);
    if (urgent < 0 && typing() && performance.now() - (held ??= performance.now()) < HOLD_MS) {
      holding = setTimeout(pump, 100);
      break;
    }
    if (!typing()) held = null;
    const { template } = getState();
    const at = urgent >= 0 ? urgent : Math.max(0, jobs.findIndex((j) => j.templates?.includes(template)));
    const [job] = jobs.splice(at, 1);
    const start = performance.now();
    await job.run().catch(() => {});  // each job answers its own promise, a failure included
    // each job's span, for bench/live_reader.py and a reader's DevTools: what a label entered meanwhile waited for
    performance.measure('live-job', { start, detail: { urgent: !!job.urgent, label: job.label, texts: job.texts } });
  }
  if (!jobs.length) held = null;
  pumping = false;
}

const singleTemplates = () => snap.templates.filter((t) => !t.ensemble);
const ensembleTemplate = () => snap.templates.find((t) => t.ensemble);

/** The label's vector under one template, its tokens with it: its landing (see embedFirst). */
async function embedNow(label, templateId) {
  if (getState().info.get(label)?.state !== 'pending') return null;  // removed before its turn
  generation.set(label, {});
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
    return { label, outcome: 'ready', record, ms, coming };
  } catch (error) {
    return { label, outcome: 'failed', error };
  }
}

/** The background batches of a label that landed (its templates `coming`), queued: one promise per batch, of
 * { vectors: [[template id, (dim,)]] } to land, { error }, or null (a batch of the ensemble's sentences before its
 * last, or a label removed or embedded anew meanwhile). Each other single template is a run of its own, the
 * ensemble's sentences go in batches of ENSEMBLE_BATCH (their unit vectors summed as they come; the mean normalised
 * at the end). */
export function embedRest(label, coming) {
  const token = generation.get(label);
  const current = () => generation.get(label) === token && getState().info.get(label)?.coming;
  const batches = [];
  const queue = (templates, run, texts = 1) => batches.push(new Promise((resolve) => {
    schedule({ label, templates, texts, run: () => (current() ? run() : Promise.resolve(null))
      .then(resolve, (error) => resolve(current() ? { error } : null)) });
  }));
  for (const single of singleTemplates().filter((t) => coming.includes(t.id))) {  // one text a run: see ENSEMBLE_BATCH
    queue([single.id], async () => {
      const { vectors } = await live().client.embedTexts([fill(single.text, label)]);
      return current() ? { vectors: [[single.id, vectors[0]]] } : null;
    });
  }
  const group = ensembleTemplate();
  if (!group || !coming.includes(group.id)) return batches;
  const none = new Error('the manifest lists no ensemble templates');
  if (!live().ensemble.length) return [...batches, Promise.resolve({ error: none })];
  const sum = new Float32Array(snap.model.dim);
  let left = live().ensemble.length;
  for (let at = 0; at < live().ensemble.length; at += ENSEMBLE_BATCH) {
    const texts = live().ensemble.slice(at, at + ENSEMBLE_BATCH).map((t) => fill(t, label));
    queue([group.id], async () => {
      const { vectors } = await live().client.embedTexts(texts);
      for (const v of vectors) for (let i = 0; i < v.length; i++) sum[i] += v[i];
      left -= vectors.length;
      return !left && current() ? { vectors: [[group.id, unitMean([sum])]] } : null;
    }, texts.length);
  }
  return batches;
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

