// Live mode, page side: starts the worker (live/worker.js) on first use and talks to it with messages,
// so nothing here blocks the page. Each call returns a promise; a failure rejects with an Error whose
// `kind` says what went wrong ('missing', 'corrupt', 'cancelled', 'network', 'memory', 'unsupported',
// 'image', 'error') and whose message can be shown as it is (as text).
//
//   const live = new LiveClient(snapshot.live.manifest);
//   await live.load({ parts: ['text'], onProgress: ({ loaded, total, file }) => ... });
//   const { vectors, ms } = await live.embedTexts(['a photo of a tarantula eating sushi.']);
//   const { vector } = await live.embedImage(fileOrImageData);   // loads the vision tower first if needed

export class LiveClient {
  constructor(manifestUrl, base = document.baseURI) {
    this.manifestUrl = new URL(manifestUrl, base).href;
    this.worker = null;
    this.pending = new Map();  // id -> {resolve, reject, onProgress}
    this.nextId = 1;
  }

  /** Downloads (with byte progress), verifies and starts the towers named in parts. */
  load({ parts = ['text'], onProgress = () => {} } = {}) {
    return this.request({ type: 'load', manifest: this.manifestUrl, parts }, onProgress);
  }

  /** Aborts the download in flight; its load() rejects with kind 'cancelled'. */
  cancel() {
    this.worker?.postMessage({ type: 'cancel' });
  }

  /** Resolves once the files downloaded so far are in Cache Storage (load() answers before those writes end). */
  remembered() {
    return this.request({ type: 'remembered' });
  }

  /** texts -> {vectors: [Float32Array (dim,)], ms}, unit length, cleaned and tokenised as the build does. */
  embedTexts(texts) {
    return this.request({ type: 'texts', texts: [...texts] });
  }

  /** One prompt -> the text-attention figure's numbers {layers, tokens, pieces, attention (L * n)}: the end token's
   * attention per layer, heads averaged, from the text tower's pass (live/towersout.js), or null (not within the
   * build's bound). */
  textAttention(text) {
    return this.request({ type: 'attention', text });
  }

  /** texts -> {ids, full, pieces}: each text's token ids as the text tower reads them (start and end
   * included, cut at the context length), the same uncut, and {id: piece text} for every id. */
  tokenize(texts) {
    return this.request({ type: 'ids', texts: [...texts] });
  }

  /** A Blob (a file, a dropped or pasted image) or ImageData -> {vector, ms, width, height}. */
  embedImage(image) {
    return this.request({ type: 'image', image });
  }

  /** One batch of the occlusion map's copies of the reader's photo: cells first .. first + count - 1 hidden in turn
   * -> {vectors: Float32Array (count * dim,), row by row, first, count, cells, ms, square?}. The photo (Blob or
   * ImageData) comes with a run's first batch to this worker, which keeps it under `key` for the next ones and
   * answers that batch with `square`, the preprocessed square's RGBA bytes (live/occlusionrun.js shares them). */
  embedOccluded({ key, first, count, image = null }) {
    return this.request({ type: 'occluded', key, first, count, image });
  }

  terminate() {
    this.worker?.terminate();
    this.worker = null;
    for (const { reject } of this.pending.values()) {
      reject(liveError({ kind: 'cancelled', message: 'Live mode was stopped.' }));
    }
    this.pending.clear();
  }

  request(message, onProgress) {
    if (!this.worker) this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...message, id });
    });
  }

  start() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.heard = false;  // no message yet: an error now means the worker could not start
    this.worker.onmessage = ({ data }) => {
      this.heard = true;
      const call = this.pending.get(data.id);
      if (!call) return;
      if (data.type === 'progress') {
        call.onProgress?.(data);
        return;
      }
      this.pending.delete(data.id);
      if (data.ok) call.resolve(data.result);
      else call.reject(liveError(data.error));
    };
    this.worker.onerror = (event) => {  // the worker failed to start (a missing or broken module), or threw later
      event.preventDefault();
      const error = this.heard
        ? { kind: 'error', message: `Live mode stopped: ${event.message || 'its worker failed'}.` }
        : { kind: 'missing', message: `Live mode could not start: ${event.message || 'its script failed to load'}.` };
      for (const { reject } of this.pending.values()) reject(liveError(error));
      this.pending.clear();
      this.worker?.terminate();
      this.worker = null;
    };
  }
}

function liveError({ kind, message }) {
  return Object.assign(new Error(message), { kind });
}
