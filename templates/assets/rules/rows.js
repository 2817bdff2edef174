// The rows each chart receives, from numbers already computed. Pure (no DOM): the page runs them for the live
// charts, and the build runs the same functions in Node (explainer/views.py) for the static SVGs and tables.
import { argmax, softmax } from './clipmath.js';
import { CHART_LIMIT } from './layout.js';

/** Every label, or the `limit` most probable, in the reader's order (`order`: index among all labels). */
export function labelRows(labels, sims, probs, limit = CHART_LIMIT) {
  let keep = labels.map((_, i) => i);
  if (keep.length > limit) keep = keep.sort((a, b) => probs[b] - probs[a]).slice(0, limit).sort((a, b) => a - b);
  return keep.map((i) => ({ label: labels[i], order: i, similarity: sims[i], probability: probs[i] }));
}

export function limitNote(shown, total) {
  return shown < total ? `Showing the ${shown} most probable of ${total} labels.` : '';
}

export const vectorRows = (vector) => Array.from(vector, (value, dim) => ({ dim, value }));

export const matrixShown = (v, measure) => (measure === 'similarity' ? v.toFixed(3) : `${(100 * v).toFixed(0)}%`);

/** values[p][j]: photo p, j-th charted row. `dark`: white text. */
export function matrixRows(photoTitles, rows, values, current, measure) {
  const flat = values.flat();
  const lo = Math.min(...flat);
  const hi = Math.max(...flat);
  return photoTitles.flatMap((photo, p) => values[p].map((v, j) => ({
    photo, photo_order: p, label: rows[j].label, order: rows[j].order, value: v,
    shown: matrixShown(v, measure), current: p === current, dark: v - lo > 0.6 * (hi - lo),
  })));
}

/** probs[t][i]: template t, label i; current: the chosen template's index (its column is outlined). */
export function templateRows(names, labels, probs, limit = CHART_LIMIT, current = -1) {
  return labels.slice(0, limit).flatMap((label, i) => names.map((template, t) => ({
    template, template_order: t, label, order: i, value: probs[t][i], shown: `${(100 * probs[t][i]).toFixed(0)}%`,
    current: t === current,
  })));
}

/** probsByTau[k][i]: label i at temperatures[k]. The entropy is divided by ln n: 1 means all equal. */
export function sweepRows(rows, temperatures, probsByTau, entropyByTau, tau) {
  const n = probsByTau[0].length;
  const scale = n > 1 ? Math.log(n) : 1;
  const out = [];
  temperatures.forEach((t, k) => {
    for (const row of rows) {
      out.push({ kind: 'label', label: row.label, order: row.order, tau: t, value: probsByTau[k][row.order] });
    }
    out.push({ kind: 'entropy', tau: t, value: entropyByTau[k] / scale });
  });
  out.push({ kind: 'current', tau, value: 0 });
  return out;
}

/** Add near-synonyms ([[name, similarity]]) one at a time; follow the top label's share. */
export function crowdingSteps(sims, added, tau) {
  const top = argmax(sims);
  const steps = [];
  for (let n = 0; n <= added.length; n++) {
    const probs = softmax([...sims, ...added.slice(0, n).map(([, s]) => s)], tau);
    const synonyms = probs.slice(sims.length).reduce((a, b) => a + b, 0);
    const others = Math.max(0, 1 - probs[top] - synonyms);
    steps.push({ added: n ? added[n - 1][0] : '', top: probs[top], synonyms, others });
  }
  return steps;
}

const PARTS = [['top label', 'top'], ['near-synonyms', 'synonyms'], ['other labels', 'others']];

export function crowdingRows(label, steps) {
  return steps.flatMap((step, n) => PARTS.map(([part, key], order) => ({
    step: step.added ? `+ ${step.added}` : `${label} alone`, step_order: n, part, part_order: order, value: step[key],
  })));
}
