// Live mode's towers run as the reader's browser runs them: onnxruntime-web's WebAssembly engine (the very
// files the page ships: ort.wasm.bundle.min.mjs and its .wasm, single-threaded), the page's session settings,
// each tower from its graph and weights file, texts tokenized by the page's own tokenize.js. WebAssembly gives
// the same numbers on every CPU, so the parity the build measures with this (webengine.py) is the reader's.
// One JSON request on stdin: {ort, wasm, tokenizers, session, tokenizer?, entities?, context_length?, jobs: [
//   {graph, weights?, texts: [[text, ...] per batch], out, extra?} or {graph, weights?, pixels, shape, batch, out,
//   extra?}]}; each job's raw outputs, float32 (n, dim) row-major, are written to its `out` (and each output named in
// `extra`, the towers outputs, to `out`.<name>, (n, ...) row-major; a text's, (n, L, sequence), padded with 0 to
// context_length along its last axis, batches being as wide as their longest text); stdout: {rows: [n per job]}.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { clipTokenizer } from '../../templates/assets/live/tokenize.js';

const request = JSON.parse(fs.readFileSync(0, 'utf8'));
const ort = await import(pathToFileURL(request.ort).href);
ort.env.wasm.numThreads = 1;  // as the worker: no cross-origin isolation, so single-threaded
ort.env.wasm.wasmBinary = new Uint8Array(fs.readFileSync(request.wasm));

let tokenizer = null;
if (request.tokenizer) {
  const { Tokenizer } = await import(pathToFileURL(request.tokenizers).href);
  const json = JSON.parse(fs.readFileSync(request.tokenizer, 'utf8'));
  tokenizer = clipTokenizer(new Tokenizer(json, {}), request.entities, request.context_length);
}

/** A session as the worker starts it (worker.js startSessions): the graph, its weights as externalData. */
async function open(job) {
  const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all', ...request.session };
  if (job.weights) {
    const name = job.weights.split('/').pop();
    options.externalData = [{ path: name, data: new Uint8Array(fs.readFileSync(job.weights)) }];
  }
  return ort.InferenceSession.create(new Uint8Array(fs.readFileSync(job.graph)), options);
}

/** One batch of texts as the worker's 'texts' handler runs it -> [its raw text_embeds, each extra output]. */
async function textBatch(session, texts, extra = []) {
  const { inputIds, mask, dims } = tokenizer.batch(texts);
  const outputs = await session.run({
    input_ids: new ort.Tensor('int64', inputIds, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  });
  return [outputs.text_embeds.data, ...extra.map((name) => padded(outputs[name], request.context_length))];
}

/** A tensor (..., w) -> its data with the last axis padded with 0 to `width`. */
function padded(tensor, width) {
  const w = tensor.dims[tensor.dims.length - 1];
  const out = new Float32Array((tensor.data.length / w) * width);
  for (let r = 0; r < tensor.data.length / w; r++) out.set(tensor.data.subarray(r * w, (r + 1) * w), r * width);
  return out;
}

/** Photos' pixel values (float32 (n, 3, size, size), preprocessed) in batches of `batch` -> image_embeds. */
async function* pixelBatches(session, job) {
  const all = new Float32Array(new Uint8Array(fs.readFileSync(job.pixels)).buffer);
  const [n, ...rest] = job.shape;
  const each = rest.reduce((a, b) => a * b, 1);
  for (let first = 0; first < n; first += job.batch) {
    const count = Math.min(job.batch, n - first);
    const tensor = new ort.Tensor('float32', all.slice(first * each, (first + count) * each), [count, ...rest]);
    const outputs = await session.run({ pixel_values: tensor });
    yield [outputs.image_embeds.data, ...(job.extra ?? []).map((name) => outputs[name].data)];
  }
}

/** Float32 parts one after another, as one array. */
function joined(parts) {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const rows = [];
for (const job of request.jobs) {
  const session = await open(job);
  const parts = [];
  const extra = (job.extra ?? []).map(() => []);
  const keep = ([part, ...more]) => {
    parts.push(part);
    more.forEach((data, i) => extra[i].push(data));
  };
  if (job.texts) {
    for (const texts of job.texts) keep(await textBatch(session, texts, job.extra));
  } else {
    for await (const batch of pixelBatches(session, job)) keep(batch);
  }
  await session.release();
  fs.writeFileSync(job.out, Buffer.from(joined(parts).buffer));
  (job.extra ?? []).forEach((name, i) => fs.writeFileSync(`${job.out}.${name}`, Buffer.from(joined(extra[i]).buffer)));
  rows.push(job.texts ? job.texts.reduce((a, t) => a + t.length, 0) : job.shape[0]);
}
process.stdout.write(JSON.stringify({ rows }));
