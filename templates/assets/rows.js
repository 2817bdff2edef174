// The rows each Vega chart receives, built from numbers already computed: pure functions, no DOM.
// explainer/charts.py builds the same rows for the static SVG and the no-JS tables; tests/rows_in_node.mjs
// runs these functions against Python's output, so the two sides cannot drift apart unnoticed.
import { argmax, softmax } from './clipmath.js';

export const CHART_LIMIT = 40;  // bars per chart; the tables hold every label

/** The label bars: every label, or the `limit` most probable, kept in the reader's order.
 *  `order` is the label's index among all the reader's labels. */
export function labelRows(labels, sims, probs, limit = CHART_LIMIT) {
  let keep = labels.map((_, i) => i);
  if (keep.length > limit) keep = keep.sort((a, b) => probs[b] - probs[a]).slice(0, limit).sort((a, b) => a - b);
  return keep.map((i) => ({ label: labels[i], order: i, similarity: sims[i], probability: probs[i] }));
}

/** The sentence under the bar charts when some labels are left out of them. */
export function limitNote(shown, total) {
  return shown < total ? `Showing the ${shown} most probable of ${total} labels.` : '';
}

/** One bar per dimension of an embedding. */
export const vectorRows = (vector) => Array.from(vector, (value, dim) => ({ dim, value }));

/** How a matrix cell is written: a similarity to 3 decimals, a probability as a whole percentage. */
export const matrixShown = (v, measure) => (measure === 'similarity' ? v.toFixed(3) : `${(100 * v).toFixed(0)}%`);

/** Photos x labels: values[p][j] for photo p and the j-th charted label row. `dark` picks white text. */
export function matrixRows(photoTitles, rows, values, current, measure) {
  const flat = values.flat();
  const lo = Math.min(...flat);
  const hi = Math.max(...flat);
  return photoTitles.flatMap((photo, p) => values[p].map((v, j) => ({
    photo, photo_order: p, label: rows[j].label, order: rows[j].order, value: v,
    shown: matrixShown(v, measure), current: p === current, dark: v - lo > 0.6 * (hi - lo),
  })));
}

/** Labels x templates: probs[t][i] for template t and label i (the first `limit` labels). */
export function templateRows(names, labels, probs, limit = CHART_LIMIT) {
  return labels.slice(0, limit).flatMap((label, i) => names.map((template, t) => ({
    template, template_order: t, label, order: i, value: probs[t][i], shown: `${(100 * probs[t][i]).toFixed(0)}%`,
  })));
}

/** The temperature sweep: each charted label's probability at every grid temperature, the entropy over
 *  all labels divided by ln n (1 means all labels equal), and the current temperature's marker.
 *  probsByTau[k][i]: label i (all labels) at temperatures[k]; entropyByTau[k] in nats. */
export function sweepRows(rows, temperatures, probsByTau, entropyByTau, tau) {
  const n = probsByTau[0].length;
  const scale = n > 1 ? Math.log(n) : 1;
  const out = [];
  temperatures.forEach((t, k) => {
    for (const row of rows) out.push({ kind: 'label', label: row.label, order: row.order, tau: t, value: probsByTau[k][row.order] });
    out.push({ kind: 'entropy', tau: t, value: entropyByTau[k] / scale });
  });
  out.push({ kind: 'current', tau, value: 0 });
  return out;
}

/** Label crowding: add the near-synonyms one at a time to the softmax and follow the top label's share.
 *  sims: the reader's labels; added: [[name, similarity to the photo]] not already among them. */
export function crowdingSteps(sims, added, tau) {
  const top = argmax(sims);
  const steps = [];
  for (let n = 0; n <= added.length; n++) {
    const probs = softmax([...sims, ...added.slice(0, n).map(([, s]) => s)], tau);
    const synonyms = probs.slice(sims.length).reduce((a, b) => a + b, 0);
    steps.push({ added: n ? added[n - 1][0] : '', top: probs[top], synonyms, others: Math.max(0, 1 - probs[top] - synonyms) });
  }
  return steps;
}

const PARTS = [['top label', 'top'], ['near-synonyms', 'synonyms'], ['other labels', 'others']];

/** The crowding chart: three stacked parts per step. */
export function crowdingRows(label, steps) {
  return steps.flatMap((step, n) => PARTS.map(([part, key], order) => ({
    step: step.added ? `+ ${step.added}` : `${label} alone`, step_order: n, part, part_order: order, value: step[key],
  })));
}
