// Live mode's engine, a module Web Worker: it owns onnxruntime-web (single-threaded wasm), the tokenizer
// and the image preprocessing, so the page never waits on a model. The page talks to it through
// live/client.js with messages:
//   -> {id, type: 'load', manifest: URL, parts: ['text'], ['text', 'vision'] or ['vision']}  <- progress, manifest,
//                                            loaded, bytes {cached, downloaded}, damaged (cached files refetched)
//   -> {type: 'cancel'}                                                            (the load in flight)
//   -> {id, type: 'remembered'}             <- true, once the downloads so far are written to Cache Storage
//   -> {id, type: 'texts', texts}           <- {vectors: [(dim,) Float32Array], ms}, unit vectors
//   -> {id, type: 'attention', text}        <- the end token's attention per layer (towersout.js endAttentionOf)
//   -> {id, type: 'image', image: Blob or ImageData}  <- {vector, ms, width, height, towers (towersOf) or null}
//   -> {id, type: 'ids', texts}             <- {ids: [[start, ..., end]]}, cleaned and cut as the model reads them,
//                                              full: the same uncut, pieces: {id: piece text} for every id in full
//   -> {id, type: 'occluded', key, first, count, image?}  <- {vectors, first, count, cells, ms, square?}: one batch
//                                              of the occlusion map's copies of the reader's photo (end of this file)
// Every answer is {id, ok: true, result} or {id, ok: false, error: {kind, message}}.
import * as ort from '../../vendor/ort.wasm.bundle.min.mjs';
import { Tokenizer } from '../../vendor/tokenizers.min.mjs';
import { decodeImage } from '../ui/decode.js';
import { LiveError, downloadAll } from './download.js';
import { occludedCopies, patchGrid, squarePixels } from './occlusion.js';
import { preprocess } from '../rules/preprocess.js';
import { clipTokenizer } from './tokenize.js';
import { endAttentionOf, towersOf } from './towersout.js';

const VENDOR = new URL('../../vendor/', import.meta.url);
const state = {
  manifest: null, base: null, tokenizer: null, text: null, vision: null, controller: null,
  runtime: false,   // the wasm compiled (by the first session)
  remembered: null,  // the promise of the downloads' Cache Storage writes
  occluded: null,   // {key, pixels}: the photo of the occlusion map's batches, preprocessed once
};

self.onmessage = async ({ data }) => {
  if (data.type === 'cancel') {
    state.controller?.abort();
    return;
  }
  try {
    const result = await HANDLERS[data.type](data);
    self.postMessage({ id: data.id, ok: true, result });
  } catch (error) {
    const kind = error instanceof LiveError ? error.kind : isOutOfMemory(error) ? 'memory' : 'error';
    const message = kind === 'memory' ? 'Not enough memory for the model in this browser tab.' : error.message;
    self.postMessage({ id: data.id, ok: false, error: { kind, message } });
  }
};

const HANDLERS = {
  async load({ id, manifest: manifestUrl, parts }) {
    if (typeof WebAssembly !== 'object') throw new LiveError('unsupported', 'This browser cannot run WebAssembly.');
    const controller = new AbortController();
    state.controller = controller;
    try {
      if (!state.manifest) await readManifest(manifestUrl, controller.signal);
      const wanted = wantedFiles(parts);
      const progress = (p) => self.postMessage({ id, type: 'progress', ...p });
      const { files, cached, downloaded, damaged, remembered, ms } = await downloadAll(wanted, controller.signal,
        progress);
      // the Cache Storage writes go on after this answer (README, "The first photo's wait"): see 'remembered'
      state.remembered = Promise.all([state.remembered, remembered]);
      const t = performance.now();
      ms.sessions = await startSessions(files, controller.signal);
      ms.start = performance.now() - t;
      return { manifest: state.manifest, loaded: { text: !!state.text, vision: !!state.vision },
               bytes: { cached, downloaded }, damaged, ms };
    } finally {
      if (state.controller === controller) state.controller = null;
    }
  },

  async remembered() {  // the downloads' Cache Storage writes, done (a refused write only means no cache next time)
    await state.remembered;
    return true;
  },

  texts: ({ texts }) => runTextTower(texts),

  async attention({ text }) {  // the text-attention figure's numbers for one prompt, from the same pass as a vector
    const { outputs, rows } = await runText([text]);
    return endAttentionOf(outputs, rows[0], state.tokenizer.piece, state.manifest);
  },

  async ids({ texts }) {  // the token ids the text tower reads, for the tokens figure (and the tests)
    if (!state.tokenizer) throw new LiveError('unsupported', 'Live mode is not loaded.');
    const { ids, full, piece } = state.tokenizer;
    const all = texts.map(full);
    const pieces = {};
    for (const id of all.flat()) pieces[id] ??= piece(id);
    return { ids: texts.map(ids), full: all, pieces };
  },

  async image({ image }) {
    if (!state.vision) throw new LiveError('unsupported', 'Live mode for photos is not loaded.');
    const start = performance.now();
    const pixels = await toImageData(image);
    const config = state.manifest.preprocess;
    const tensor = new ort.Tensor('float32', preprocess(pixels, config), [1, 3, ...config.crop]);
    performance.measure('live-image-preprocess', { start });  // the photo's steps, for bench/live_reader.py
    const ran = performance.now();
    const outputs = await state.vision.run({ pixel_values: tensor });
    performance.measure('live-image-run', { start: ran });
    const vector = unitRows(outputs.image_embeds)[0];
    return { vector, ms: performance.now() - start, width: pixels.width, height: pixels.height,
             towers: towersOf(outputs, vector, state.manifest) };
  },
};

async function runTextTower(texts) {
  if (!texts.length) return { vectors: [], ms: 0 };
  const start = performance.now();
  const { outputs } = await runText(texts);
  return { vectors: unitRows(outputs.text_embeds), ms: performance.now() - start };
}

/** texts -> {outputs: the text graph's (text_embeds, end_attention), rows: each text's ids}. */
async function runText(texts) {
  if (!state.text) throw new LiveError('unsupported', 'Live mode is not loaded.');
  const { inputIds, mask, dims, rows } = state.tokenizer.batch(texts);
  const outputs = await state.text.run({
    input_ids: new ort.Tensor('int64', inputIds, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  });
  return { outputs, rows };
}

async function readManifest(url, signal) {
  const response = await fetch(url, { signal }).catch(() => null);
  if (!response || !response.ok) {
    const why = response ? `HTTP ${response.status}` : 'network error';
    throw new LiveError('missing', `Could not read live mode's manifest (${why}).`);
  }
  state.manifest = await response.json();
  state.base = new URL('.', response.url);
}

/** The files still to fetch for parts: the runtime with the first tower, the tokenizer with 'text', the vision
 * tower with 'vision' (a worker of photos alone, for the occlusion map's batches, never reads a text). */
function wantedFiles(parts) {
  const m = state.manifest;
  const entries = [];
  if (!state.runtime) entries.push(...m.runtime.files.map((f) => ({ ...f, url: new URL(f.file, VENDOR) })));
  if (parts.includes('text') && !state.text) {
    const text = [m.tokenizer, m.entities, m.text, ...(m.text.data ? [m.text.data] : [])];
    entries.push(...text.map((f) => ({ ...f, url: new URL(f.file, state.base) })));
  }
  if (parts.includes('vision') && !state.vision) {
    entries.push(...[m.vision, ...(m.vision.data ? [m.vision.data] : [])]
      .map((f) => ({ ...f, url: new URL(f.file, state.base) })));
  }
  return entries;
}

/** Starts the sessions, then lets go of the downloaded bytes: onnxruntime has copied each model into its
 * own memory, and the wasm binary is compiled, so the files' ArrayBuffers can be collected. Returns the
 * milliseconds each tower's session took to start ({ text, vision }). */
async function startSessions(files, signal) {
  const m = state.manifest;
  // the session settings the build measured the parity with (explainer/live/common.py SESSION)
  const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all', ...m.session };
  // A tower whose weights are a separate file (ONNX external data): onnxruntime copies them straight into its
  // tensors, so its heap never holds the protobuf's copy of them as well.
  const withData = (tower) => (tower.data
    ? { ...options, externalData: [{ path: tower.data.file, data: take(files, tower.data.file) }] } : options);
  if (!state.runtime) {
    ort.env.wasm.numThreads = 1;  // without cross-origin isolation the wasm runs single-threaded
    ort.env.wasm.wasmBinary = take(files, m.runtime.files.find((f) => f.file.endsWith('.wasm')).file);
  }
  const ms = {};
  const create = async (tower) => {
    const t = performance.now();
    const session = await ort.InferenceSession.create(take(files, tower.file), withData(tower));
    ort.env.wasm.wasmBinary = undefined;  // compiled once per worker: the 14 MB are not needed again
    state.runtime = true;
    ms[tower === m.text ? 'text' : 'vision'] = performance.measure(`live-session ${tower.file}`, { start: t }).duration;
    return session;
  };
  if (files[m.text.file]) {
    const text = await create(m.text);
    const json = JSON.parse(new TextDecoder().decode(take(files, m.tokenizer.file)));
    const entities = JSON.parse(new TextDecoder().decode(take(files, m.entities.file)));
    if (signal.aborted) throw new LiveError('cancelled', 'Download cancelled.');
    state.tokenizer = clipTokenizer(new Tokenizer(json, {}), entities, m.model.context_length);
    state.text = text;
    // one text through the tower now, while the reader watches the progress: a session's first run is several times
    // slower than the next (full-size, busy machine: 450-750 ms against 70-160); it would be the reader's first label
    await runTextTower(['a photo.']);
  }
  if (files[m.vision.file]) {
    const vision = await create(m.vision);
    if (signal.aborted) throw new LiveError('cancelled', 'Download cancelled.');
    state.vision = vision;
  }
  return ms;
}

/** files[name], removed from files: the caller holds the only reference, so the bytes go with it. */
function take(files, name) {
  const bytes = files[name];
  delete files[name];
  return bytes;
}

/** A (n, dim) output tensor -> n unit-length Float32Arrays. */
function unitRows(tensor) {
  const [n, dim] = tensor.dims;
  return Array.from({ length: n }, (_, i) => {
    const row = Float32Array.from(tensor.data.subarray(i * dim, (i + 1) * dim));
    const norm = Math.hypot(...row);
    return row.map((v) => v / norm);
  });
}

/** A Blob (decoded here as the page decodes it, ui/decode.js: EXIF orientation applied as the build's exif_transpose
 *  does) or ImageData. */
async function toImageData(image) {
  if (!(image instanceof Blob)) return image;
  return decodeImage(image).catch((error) => {
    throw error.kind === 'image' ? new LiveError('image', 'This file could not be decoded as an image.') : error;
  });
}

function isOutOfMemory(error) {
  return error instanceof RangeError
    || /out of memory|memory access out of bounds|Aborted\(OOM\)/i.test(String(error?.message));
}

// ---- the reader's own photo with each patch cell hidden: the occlusion map's vectors (live/occlusion.js) ----
// One batch per message: other messages run between batches (a live label typed meanwhile waits for one batch
// at most), and the page shares a photo's batches among its workers (live/occlusionrun.js). The photo comes with
// a run's first batch to each worker, named by `key`, and is preprocessed once.
HANDLERS.occluded = async ({ key, first, count, image }) => {
  if (!state.vision) throw new LiveError('unsupported', 'Live mode for photos is not loaded.');
  const start = performance.now();
  const config = state.manifest.preprocess;
  let square = null;
  if (image) {
    const pixels = preprocess(await toImageData(image), config);  // (3, crop, crop), as the 'image' message
    state.occluded = { key, pixels };
    square = squarePixels(pixels, config);
  }
  if (state.occluded?.key !== key) throw new LiveError('error', 'This worker was not given the photo to occlude.');
  const grid = patchGrid(state.manifest.model);
  const copies = occludedCopies(state.occluded.pixels, config.crop, grid, first, count);
  const tensor = new ort.Tensor('float32', copies, [count, 3, ...config.crop]);  // (count, 3, crop, crop)
  const rows = unitRows((await state.vision.run({ pixel_values: tensor })).image_embeds);
  const vectors = new Float32Array(count * rows[0].length);  // (count * dim,), row by row
  rows.forEach((row, i) => vectors.set(row, i * row.length));
  return { vectors, first, count, cells: grid * grid, ms: performance.now() - start, ...(square && { square }) };
};
