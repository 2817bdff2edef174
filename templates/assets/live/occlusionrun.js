// The occlusion map's copies of one photo of the reader's (49 for ViT-B/32), shared out in batches among live
// mode's workers. The photo tower's 49 passes are the whole cost, and one worker runs them on one core
// (single-threaded wasm): where the device has a core and the memory to spare, a helper worker with the photo
// tower alone joins the run once its tower has started (liveui.js makes it, from the files already cached), and
// each worker takes the next batch as soon as it is free. A batch is one message (live/worker.js), so a live
// label typed meanwhile waits for one batch at most, and a newer photo stops the run between batches.

let runs = 0;  // names each run's photo in the workers (the key of its batches)

/** -> {vectors: Float32Array (cells * dim,), row by row, cells, square}: the copies of `image` (Blob or
 * ImageData), cells hidden in turn. workers: [LiveClient, or a promise of one that resolves to null when it did
 * not start]; the first one is live mode's own worker, which must answer: a helper that fails hands its batch
 * back. onProgress({done, total}) after each batch; current() turns false once a newer photo replaced this one,
 * and the run then rejects with kind 'cancelled'. */
export async function embedOccludedCopies(workers, image, options) {
  const { cells, batch, onProgress = () => {}, current = () => true } = options;
  const key = `occluded-${++runs}`;
  const queue = [];  // [first, count] of each batch still to embed
  for (let first = 0; first < cells; first += batch) queue.push([first, Math.min(batch, cells - first)]);
  let vectors = null;  // (cells * dim,)
  let square = null;
  let done = 0;
  let failed = false;

  async function work(worker, required) {
    const client = await worker;
    let given = false;  // this worker has the photo
    while (client && queue.length && !failed) {
      if (!current()) throw Object.assign(new Error('A newer photo replaced this one.'), { kind: 'cancelled' });
      const [first, count] = queue.shift();
      let result;
      try {
        result = await client.embedOccluded({ key, first, count, image: given ? null : image });
      } catch (error) {
        queue.unshift([first, count]);  // another worker embeds it
        if (!required) return;
        failed = true;
        throw error;
      }
      given = true;
      const dim = result.vectors.length / count;
      square ??= result.square ?? null;
      vectors ??= new Float32Array(cells * dim);
      vectors.set(result.vectors, first * dim);
      done += count;
      onProgress({ done, total: cells });
    }
  }

  await Promise.all(workers.map((worker, i) => work(worker, i === 0)));
  if (queue.length) await work(workers[0], true);  // a helper failed after the others had finished
  return { vectors, cells, square };
}
