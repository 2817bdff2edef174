// What one label's cosine means without its rivals: where it falls among the photo's cosines with every vocabulary
// label under the same template (its percentile), and how far it sits above the template with an empty label (the
// baseline). The build stores each photo and template's cosines sorted, to 4 decimals, as integers delta-coded
// (explainer/deepdive.py, data/scores/<template>/<photo>.json); the page fetches one file when the figure comes near.
import { fixed, signed } from './sentences.js';
import { centred } from './centre.js';

export const SCORE_SCALE = 10000;  // the stored cosines are integers in units of 1e-4
const WIDTH = 600;
const HEIGHT = 110;
const BINS = 40;

/** A scores file's { first, deltas } -> the sorted cosines in units of 1e-4 (Int32Array, ascending). */
export function sortedScores({ first, deltas }) {
  const sorted = new Int32Array(deltas.length + 1);
  sorted[0] = first;
  for (let i = 0; i < deltas.length; i++) sorted[i + 1] = sorted[i] + deltas[i];
  return sorted;
}

/** How many of the ascending integers are below k (a binary search). */
function countBelow(sorted, k) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A cosine's percentile among the sorted vocabulary cosines: the cosine rounded to 4 decimals like them, then
 *  100 x (the labels below it + half of those equal to it) / the vocabulary's size (the mid-rank rule). */
export function percentile(sorted, cosine) {
  const k = Math.round(cosine * SCORE_SCALE);
  const below = countBelow(sorted, k);
  const equal = countBelow(sorted, k + 1) - below;
  return (100 * (below + equal / 2)) / sorted.length;
}

/** The photo's cosines as a histogram drawn in a WIDTH x HEIGHT box: bars [{ x, y, width, height }] and the scale
 *  x(cosine) of the box, from the lowest cosine to the highest (a label outside it is drawn at the edge). */
function histogram(sorted, low, high) {
  const span = Math.max(high - low, 1);
  const counts = new Array(BINS).fill(0);
  for (const k of sorted) counts[Math.min(BINS - 1, Math.floor(((k - low) / span) * BINS))] += 1;
  const most = Math.max(...counts);
  const barWidth = WIDTH / BINS;
  const bars = counts.map((count, b) => ({
    x: round2(b * barWidth), width: round2(barWidth - 1), height: round2((count / most) * (HEIGHT - 20)),
    y: round2(HEIGHT - 10 - (count / most) * (HEIGHT - 20)),
  }));
  const x = (cosine) => round2(Math.min(WIDTH, Math.max(0, ((cosine * SCORE_SCALE - low) / span) * WIDTH)));
  return { bars, x };
}

const round2 = (v) => Math.round(v * 100) / 100;

/** What the score figure shows: scores is a scores file ({ first, deltas, baseline, baseline_text }), labels and
 *  cosines the page's candidates and their cosines with the photo (any label with a vector: vocabulary, typed,
 *  live). -> { baseline, count, rows: [{ label, cosine, percentile, above, text }], bars, marks, baselineX, box,
 *  sentence }. */
export function scoreView(scores, labels, cosines) {
  const sorted = scores.sorted ?? sortedScores(scores);  // sorted: the reader's own photo's (ownScores)
  const low = sorted[0];
  const high = sorted[sorted.length - 1];
  const { bars, x } = histogram(sorted, low, high);
  const rows = labels.map((label, i) => {
    const cosine = cosines[i];
    const share = percentile(sorted, cosine);
    const above = cosine - scores.baseline;
    return { label, cosine, percentile: share, above, x: x(cosine),
             text: { cosine: fixed(cosine, 4), percentile: fixed(share, 1), above: signed(above) } };
  });
  const best = rows.reduce((a, b) => (b.percentile > a.percentile ? b : a), rows[0]);
  const sentence = `Among the ${sorted.length.toLocaleString('en')} vocabulary labels, the photo's cosines run `
    + `from ${fixed(low / SCORE_SCALE, 4)} to ${fixed(high / SCORE_SCALE, 4)}; `
    + `the empty prompt “${scores.baseline_text}” scores ${fixed(scores.baseline, 4)}. `
    + `“${best.label}”, at ${best.text.cosine}, is above ${best.text.percentile}% of them `
    + `and ${best.text.above} from the empty prompt.`;
  return { baseline: scores.baseline, baselineText: scores.baseline_text, count: sorted.length, rows, bars,
           baselineX: x(scores.baseline), box: { width: WIDTH, height: HEIGHT }, sentence };
}

const dot = (a, b) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
};

/** scales[i] x (values[i * dim ...] . vector) for every quantised vector i: (count,), in double. */
function dots({ scales, values }, given) {
  const vector = Float64Array.from(given);  // one element type in the inner loop
  const dim = vector.length;
  const out = new Float64Array(scales.length);
  for (let i = 0, k = 0; i < scales.length; i++) {
    let sum = 0;
    for (let j = 0; j < dim; j++, k++) sum += values[k] * vector[j];
    out[i] = scales[i] * sum;
  }
  return out;
}

/** The reader's own photo against one template's vocabulary, from its quantised vectors (explainer/vocabvectors.py:
 *  vector i = scales[i] x values[i * dim ...], int8): { sorted, baseline } as scoreView reads a scores file, the
 *  cosines on the same 1e-4 grid. image: the photo's unit vector; with the space centred, image is centred and mean
 *  the template's mean text vector, subtracted from each text (and the baseline) before it is renormalised:
 *  (t - m) . x / |t - m|, from t . x, t . m and t . t. */
export function ownScores(vectors, image, baseline, mean = null) {
  const cosines = dots(vectors, image);
  if (mean) {
    const shift = dot(mean, image);
    const meanSquare = dot(mean, mean);
    const withMean = dots(vectors, mean);
    const { scales, values } = vectors;
    for (let i = 0, k = 0; i < cosines.length; i++) {
      let square = 0;
      for (let j = 0; j < image.length; j++, k++) square += values[k] * values[k];
      const norm = Math.sqrt(scales[i] * scales[i] * square - 2 * withMean[i] + meanSquare);
      cosines[i] = (cosines[i] - shift) / norm;
    }
  }
  const sorted = Int32Array.from(cosines, (cosine) => Math.round(cosine * SCORE_SCALE)).sort();
  return { sorted, baseline: dot(mean ? centred(baseline, mean) : baseline, image) };
}

/** The offer's words: "Download the vocabulary's vectors for this template (3.1 MB)", or while it comes. */
export function downloadOffer(bytes, loading = false) {
  const size = `${fixed(bytes / 1e6, 1)} MB`;
  return loading ? `Downloading the vocabulary’s vectors (${size})…`
    : `Download the vocabulary’s vectors for this template (${size})`;
}

/** What the figure adds for the reader's own photo: the percentiles' source and the error bound the build measured
 *  (the header's max_cosine_error and max_percentile_error, or max_cosine_error_centred with the space centred). */
export function ownNote(header, isCentred) {
  const bound = isCentred ? header.max_cosine_error_centred : header.max_cosine_error;
  const moves = isCentred ? '' : `, and a label’s percentile moves by at most ${fixed(header.max_percentile_error, 2)}`
    + ' points';
  return `Your photo’s percentiles come from the ${header.count.toLocaleString('en')} vocabulary vectors quantised to `
    + `8 bits in this browser: over the built-in photos${isCentred ? ', with the space centred' : ''}, a cosine with `
    + `them is at most ${bound.toPrecision(2)} away from the cosine with the full-precision vectors${moves}.`;
}
