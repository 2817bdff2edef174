// "Centre the space" (Liang et al. 2022, the modality gap): subtract the mean photo vector from every photo and the
// mean text vector (over the whole vocabulary, under the same template) from every text, and scale each back to
// unit length, so that a cosine compares directions around each modality's own centre. Pure.
import { argmax, softmax } from './clipmath.js';
import { fixed, percent } from './sentences.js';

/** (vector - mean) / |vector - mean|, in double (Float64Array). */
export function centred(vector, mean) {
  const out = new Float64Array(vector.length);
  let norm = 0;
  for (let i = 0; i < vector.length; i++) {
    out[i] = vector[i] - mean[i];
    norm += out[i] * out[i];
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < out.length; i++) out[i] /= norm;
  return out;
}

const spread = (values) => `${fixed(Math.min(...values), 4)} to ${fixed(Math.max(...values), 4)}`;

/** The switch's sentence: the chosen photo's cosines and softmax with the space as trained (raw) and centred. */
export function centreReading(labels, raw, sims, tau) {
  const before = softmax(raw, tau);
  const after = softmax(sims, tau);
  const top = argmax(before);
  const topAfter = argmax(after);
  const order = (values) => values.map((_, i) => i).sort((i, j) => values[j] - values[i]).join();
  const ranking = order(raw) === order(sims) ? 'the ranking of the labels is the same'
    : 'the ranking of the labels changes';
  return `Centred, this photo's cosines run from ${spread(sims)} (as trained: ${spread(raw)}); ${ranking}, and `
    + `the top label “${labels[topAfter]}” takes ${percent(after[topAfter])} (as trained: “${labels[top]}”, `
    + `${percent(before[top])}).`;
}
