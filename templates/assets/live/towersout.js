// The towers figures' numbers from the graphs' extra outputs, as the worker hands them to the page (live/worker.js):
// free with the pass that makes the vector, and handed over only when the build measured them within its bound
// (the manifest's parity.towers of each tower, explainer/live/measure.py). Pure: tensors and manifest come in.

/** The image side, from the vision graph's outputs (export.py vision_tower): {layers, heads, grid, attention
 *  (L * H * T), mean (L * T * T, heads averaged: rules/towers.js rollout), lens (L * dim), its last row the photo's
 *  vector as the build's)}, or null. */
export function towersOf(outputs, vector, manifest) {
  if (!outputs.class_attention || !manifest.vision.parity?.towers?.ok) return null;
  const [, layers, heads, tokens] = outputs.class_attention.dims, dim = vector.length;
  const lens = Float32Array.from(outputs.lens.data, (v, i) => (i < (layers - 1) * dim ? v : vector[i % dim]));
  return { layers, heads, grid: Math.round(Math.sqrt(tokens - 1)), lens, attention: outputs.class_attention.data,
    mean: outputs.mean_attention.data };
}

/** The text side for one prompt run alone, from the text graph's end_attention (export.py text_tower: (1, L,
 *  sequence), the end token's row at each layer, heads averaged) and its ids (start ... end, as the tower read
 *  them): {layers, tokens: the ids, pieces: each id's piece, attention (L * n): each layer's row up to the end
 *  token, the build's data/towers/text.json layout}, or null. piece: the tokenizer's id -> piece. */
export function endAttentionOf(outputs, ids, piece, manifest) {
  if (!outputs.end_attention || !manifest.text.parity?.towers?.ok) return null;
  const [, layers, width] = outputs.end_attention.dims;
  const n = ids.length;  // one text, unpadded: its end token is its last
  const attention = new Float32Array(layers * n);
  for (let l = 0; l < layers; l++) attention.set(outputs.end_attention.data.subarray(l * width, l * width + n), l * n);
  return { layers, tokens: ids, pieces: ids.map(piece), attention };
}
