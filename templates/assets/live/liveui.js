// Live mode, the reader's side, loaded on the first click of "Live mode" or the first photo of the
// reader's (not part of the first view): the download with its byte progress and Cancel, a status line
// with the parity the build measured, labels outside the vocabulary embedded under every template, and
// the reader's own photo as one more choice. Every failure is said in the status line; the precomputed
// page keeps working whatever happens here. Live mode's state (on or off, the labels it embeds, the
// reader's photo and its vector) is the store's: this module changes it only through actions.
import { megabytes as mb } from '../rules/sentences.js';  // the page's one rule, as the first paint's
import { snap } from '../state/data.js';
import { forgetLiveInTab } from '../state/links.js';
import { $, actionButton, cell } from '../ui/dom.js';
import { cachedBytes, forgetAll } from './filecache.js';
import { LiveClient } from './client.js';
import { embedOccludedCopies } from './occlusionrun.js';
import { shortOfMemory } from './livecost.js';
import * as liveLabel from './livelabel.js';
import * as ownPhoto from './ownphoto.js';
export { endAttention } from './livelabel.js';  // the text-attention figure's numbers (live mode on)

let page = null;      // { store, act: the store's actions, bound }
let client = null;    // LiveClient, made on the first start
let loading = null;   // the load in flight
const loaded = new Set();  // 'text', 'vision'
let ensemble = null;  // the ensemble's sentences ('{label}' in each), from the manifest
let preprocessing = null;  // the manifest's image preprocessing settings, for "What the model sees"

/** The progress bar, Cancel and the status line, under the Live mode button. Live labels are embedded by
 * effects.js (through livelabel.js, handed live mode's client here) as they turn 'pending' in the store. */
export function init(store, act) {
  page = { store, act };
  liveLabel.init(store, () => ({ client, ensemble }));
  const bar = Object.assign(document.createElement('progress'),
    { id: 'live-progress', max: 1, value: 0, hidden: true });
  const cancel = Object.assign(cell('button', 'Cancel'), { id: 'live-cancel', type: 'button', hidden: true });
  const line = Object.assign(cell('p', '', 'status'), { id: 'live-status' });
  line.setAttribute('role', 'status');
  line.setAttribute('aria-live', 'polite');
  bar.dataset.testid = 'live-progress';
  cancel.dataset.testid = 'live-cancel';
  line.dataset.testid = 'live-status';
  cancel.addEventListener('click', () => client?.cancel());
  const bytes = Object.assign(cell('span', ''), { id: 'live-bytes' });
  const row = cell('p', '', 'live-progress-row');
  row.append(bar, ' ', bytes, ' ', cancel);
  placeAfter(row, line);
}

/** Live mode's lines go after the label editor's live panel; a deep-dive page has no editor: after the element that
 * offers live mode there (data-live-anchor: the attack lab's word box), else at the end of the article. */
function placeAfter(...lines) {
  const anchor = $('live-panel') ?? document.querySelector('[data-live-anchor]');
  if (anchor) anchor.after(...lines);
  else (document.querySelector('main') ?? document.body).append(...lines);
}

const status = (text) => { $('live-status').textContent = text; };
const VARIANTS = {
  fp16: 'float16', fp32: 'float32', int8: 'int8', 'int8-weights': 'int8 weights',
  'int8-weights-emb6': 'int8 weights (6-bit token table)', 'int8-fp16': 'int8 (float16 embeddings)' };

function showProgress(on) {
  $('live-progress').hidden = !on;
  $('live-cancel').hidden = !on;
  for (const button of document.querySelectorAll('[data-testid^=live-start]')) button.disabled = on;
  if (!on) $('live-bytes').textContent = '';
}

function onProgress({ loaded: done, total }) {
  const bar = $('live-progress');
  const text = `${mb(done)} of ${mb(total)}`;
  bar.max = total || 1;
  bar.value = done;
  bar.textContent = text;  // what a browser without <progress> shows
  $('live-bytes').textContent = text;
}

/** Why live mode did not start, in the reader's words; the page itself is unaffected. */
function failure(error) {
  const after = ' Live mode is off; the rest of the page works as before.';
  if (error.kind === 'cancelled') return `Live mode cancelled.${after}`;
  if (error.kind === 'memory') return `Live mode ran out of memory in this browser (${error.message}).${after}`;
  if (error.kind === 'corrupt') return `A live-mode file was damaged in transit (${error.message}).${after}`;
  return `Live mode could not start: ${error.message}${after}`;
}

function describe(tower, entry) {
  return `${tower} ${VARIANTS[entry.variant] ?? entry.variant}, max cosine error ${entry.max.toExponential(0)}`;
}

/** Live mode on: a plain status in place of the button, the add box's words, and the parity the build
 * measured, for whoever wants it, in a <details> under the status line. */
function onStatus() {
  const p = snap.live.parity;
  const towers = [describe('text tower', { variant: snap.live.variants.text, max: p.text.max_cosine_error })];
  if (loaded.has('vision')) {
    towers.push(describe('photo tower', { variant: snap.live.variants.vision, max: p.vision.max_cosine_error }));
  }
  const standIn = snap.model.stand_in ? ' These are a stand-in model\'s numbers (random weights), not CLIP\'s.' : '';
  const photo = loaded.has('vision') ? 'photo tower ready' : 'photo tower not loaded';
  status(`Live mode is on · text ready · ${photo}.${standIn}`);
  parityDetails().lastChild.textContent =
    `${towers.join('; ')} (measured by the build against the full-precision model).`;
  const offer = $('live-panel') ?? $('objective-live');  // the button that offered live mode here
  if (offer) offer.hidden = true;  // the status line says it all now
  for (const label of document.querySelectorAll('label[for=add-label-input]')) label.textContent = 'Add any text';
  const hint = $('add-label-hint');
  if (hint) hint.textContent = 'Live mode is on: any text is embedded here, under the chosen template.';
}

/** The <details> with the live towers' parity, after the status line (made on first use). */
function parityDetails() {
  if (!$('live-parity')) {
    const details = Object.assign(document.createElement('details'), { id: 'live-parity' });
    details.append(cell('summary', 'How close live mode is to the full model'), cell('p', ''));
    $('live-status').after(details);
  }
  return $('live-parity');
}

/** Loads the towers named in parts, once; true when they are ready. */
export async function start(parts = ['text']) {
  if (parts.every((part) => loaded.has(part))) return true;
  if (loading) {  // one load at a time: wait for it, then fetch what is still missing
    await loading.catch(() => {});
    return loaded.has('text') || parts.length > 1 ? start(parts) : false;
  }
  if (typeof WebAssembly !== 'object') {
    status('Live mode needs WebAssembly, which this browser does not offer. The rest of the page works as before.');
    return false;
  }
  client ??= new LiveClient(snap.live.manifest);
  page.act.startLive();
  showProgress(true);
  status(parts.includes('vision') ? 'Downloading live mode for photos…' : 'Downloading live mode…');
  loading = client.load({ parts, onProgress });
  try {
    const result = await loading;
    // the worker's timeline of this load (cache read, fetch, sha256, session starts, Cache Storage writes), for
    // bench/livemode.py and a reader's DevTools
    performance.mark('live-loaded', { detail: { parts, ms: result.ms } });
    ensemble = result.manifest.ensemble_templates ?? [];
    preprocessing = result.manifest.preprocess;
    for (const part of ['text', 'vision']) if (result.loaded[part]) loaded.add(part);
    onStatus();
    noteBytes(result);
    client.remembered().then(showCached, () => {});  // once the downloads are written to Cache Storage
    page.act.liveReady();  // labels waiting for live mode (a shared link's) are embedded now
    return true;
  } catch (error) {
    status(failure(error));
    page.act.liveFailed();
    return false;
  } finally {
    loading = null;
    showProgress(false);
  }
}

/** The attack lab's stamped photo (ImageData, figures/attack.js) -> { vector, ms }: the photo tower, started if
 * needed. `how` (a kept photo's occlusion map, ownphoto.js restorePhoto): what runs once it started. */
export async function embedPixels(pixels, how = (image) => client.embedImage(image)) {
  if (!(await start(['text', 'vision']))) throw new Error('live mode did not start (its status line says why).');
  return how(pixels);
}

// ---- the reader's own photo ------------------------------------------------------------------------

/** The reader reaches for a photo (points at or focuses the file input, drags a file over the page): with live
 * mode already on (its download accepted) and memory to spare, the photo tower starts now, while the file
 * dialog is open, so that the photo is embedded as soon as it is chosen. Never on page load, never before live
 * mode is on. */
export function photoIntent() {
  if (!loaded.has('text') || loaded.has('vision') || loading || shortOfMemory()) return;
  performance.mark('own-photo-intent');
  start(['text', 'vision']);
}

/** What ownphoto.js needs of live mode: the store, its actions, the towers and the manifest's preprocessing. */
const ownLive = () => ({ ...page, start, embedImage: (pixels) => client.embedImage(pixels), embedOccluded,
  preprocessing: () => preprocessing });
/** A file from the picker, a drop or a paste: see ownphoto.js. */
export const photoChosen = (file) => ownPhoto.photoChosen(file, ownLive());
/** The attack lab's stamped photo (ImageData) as the reader's photo: every figure shows it, the occlusion map too. */
export const stampedPhotoChosen = (pixels) => ownPhoto.photoPixels(pixels, ownLive());
/** A kept photo's occlusion map (ownphoto.js restorePhoto), once its figure came near: live mode starts first. */
export const keptOccluded = (pixels, options) => embedPixels(pixels, (image) => embedOccluded(image, options));

/** The occlusion map's copies of the reader's photo (live/occlusionrun.js): live mode's worker, and a helper with
 * the photo tower alone where one may run, which stops when the map is done (its memory goes with it). */
async function embedOccluded(pixels, options) {
  const helper = mapHelper();
  try {
    return await embedOccludedCopies([client, helper], pixels, options);
  } finally {
    helper.then((h) => h?.terminate());
  }
}

/** A second worker for the occlusion map's batches, with the photo tower alone: only where the device has a
 * core to spare and is not short of memory (livecost.js), and every live file is in this browser's cache (it is
 * never downloaded twice). Resolves to null where it may not run or did not start. */
async function mapHelper() {
  const files = snap.live.files ?? [];
  if ((navigator.hardwareConcurrency ?? 1) < 2 || shortOfMemory() || !files.length) return null;
  if (await cachedBytes(files) < files.reduce((sum, f) => sum + f.bytes, 0)) return null;
  const helper = new LiveClient(snap.live.manifest);
  try {
    await helper.load({ parts: ['vision'] });
    return helper;
  } catch {
    helper.terminate();
    return null;
  }
}

// ---- remembered: the files in this browser's Cache Storage (live/filecache.js) ---------------------------

/** Where the towers came from, after the status line: the cache, the network, a damaged entry refetched. */
function noteBytes({ bytes, damaged }) {
  if (!bytes) return;
  const parts = [];
  if (bytes.cached) parts.push(`${mb(bytes.cached)} from this browser's cache`);
  if (bytes.downloaded) parts.push(`${mb(bytes.downloaded)} downloaded`);
  if (damaged) parts.push(`${damaged} damaged cached file${damaged > 1 ? 's' : ''} fetched again`);
  if (parts.length) $('live-status').append(` Files: ${parts.join(', ')}.`);
}

/** The panel says "cached (N MB)" when this build's live files are in the cache, with a button to forget
 * them; nothing when they are not (or there is no Cache Storage here). */
export async function showCached() {
  const files = snap.live?.files;
  if (!files) return;
  const bytes = await cachedBytes(files);
  let note = $('live-cached');
  if (!bytes) {
    note?.remove();
    return;
  }
  if (!note) {
    // beside the panel, not in it: the panel (the start button) is hidden once live mode is on
    note = Object.assign(cell('p', ''), { id: 'live-cached' });
    placeAfter(note);
  }
  const forget = actionButton('forget the live-mode files', 'Forget the live-mode files cached in this browser',
    false, async () => {
      await forgetAll().then(forgetLiveInTab);  // and this tab's next pages do not fetch them again
      note.replaceChildren('Live-mode files forgotten: the next start downloads them again.');
    });
  forget.dataset.testid = 'live-forget';
  note.replaceChildren(`cached (${mb(bytes)}) `, forget);
}
