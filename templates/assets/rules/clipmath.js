// The lesson of the page, in a few pure functions: no DOM, no state, no dependencies.
// Vectors arrive as little-endian float16 in base64 (half the bytes of float32, exact enough:
// the build computes its own numbers from the same rounded vectors).

// Where the browser has Float16Array (Chrome 135, Firefox 129, Safari 18.2) on a little-endian machine, the halves
// are read natively: the page decodes every vector of the first view at load, and the loop below took 17 ms of it.
/* global Float16Array */  // not yet in the linter's list of browser globals
const NATIVE_HALVES = typeof Float16Array === 'function' && new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** base64 string of little-endian float16 values -> Float32Array of the same values (exact: every half is a float). */
export function decodeFloat16(base64) {
  const bytes = base64ToBytes(base64);
  if (NATIVE_HALVES) return Float32Array.from(new Float16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2));
  const halves = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 2);
  for (let i = 0; i < out.length; i++) out[i] = halfToFloat(halves.getUint16(2 * i, true));
  return out;
}

function base64ToBytes(base64) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(base64);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** One IEEE 754 half (as a 16-bit integer) -> number. */
export function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);          // subnormal
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Split a flat Float32Array of n*dim values into n row views. */
export function rows(flat, dim) {
  const out = [];
  for (let i = 0; i < flat.length; i += dim) out.push(flat.subarray(i, i + dim));
  return out;
}

/** The dot product: for unit vectors, the cosine similarity (one multiplication and one addition per dimension). */
export function dot(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** Cosine similarity of one image vector with each label vector. */
export function similarities(image, labels) {
  return labels.map((text) => dot(image, text));
}

/** softmax(s / tau): probabilities that sum to 1. Subtracting the max keeps exp() from overflowing. */
export function softmax(scores, tau) {
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp((s - max) / tau));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/** Shannon entropy in nats: 0 when one label takes everything, ln(n) when all are equal. */
export function entropy(probabilities) {
  return -probabilities.reduce((sum, p) => (p > 0 ? sum + p * Math.log(p) : sum), 0);
}

/** Index of the largest value (the first one on ties). */
export function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Index of the grid temperature nearest to value on a log scale. */
export function nearestIndex(temperatures, value) {
  let best = 0;
  for (let i = 1; i < temperatures.length; i++) {
    if (Math.abs(Math.log(temperatures[i] / value)) < Math.abs(Math.log(temperatures[best] / value))) best = i;
  }
  return best;
}
