// Two myths of "Where CLIP fools you" read from the page's own numbers (explainer/myths.py gathers them; the build
// runs these rules for the page): how a label's mean cosine with the photos varies with its word's BPE merge rank,
// and how a label set's probabilities move when one word about the person changes.
import { percent } from './sentences.js';

const count = (n) => n.toLocaleString('en-US');

/** Ranks of values (1 = smallest), ties sharing their mean rank. */
function ranked(values) {
  const order = values.map((v, i) => [v, i]).sort((a, b) => a[0] - b[0]);
  const out = new Array(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) out[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rho: the correlation of the two lists' ranks. */
export function spearman(a, b) {
  const ra = ranked(a), rb = ranked(b);
  const mean = (ra.length + 1) / 2;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i] - mean) * (rb[i] - mean);
    da += (ra[i] - mean) ** 2;
    db += (rb[i] - mean) ** 2;
  }
  return num / Math.sqrt(da * db);
}

/**
 * { labels, ranks: each label's BPE merge rank, cosines: its mean cosine with the photos, count: the vocabulary's
 * size } -> { rows: [[merge ranks, labels, mean cosine, examples]], rho, summary }: the one-token labels sorted by
 * merge rank (the commonest words first, by this proxy) in five groups of equal size.
 */
export function frequencyView({ labels, ranks, cosines, count: total }) {
  const bins = 5;  // the sentence speaks of fifths
  const order = ranks.map((_, i) => i).sort((a, b) => ranks[a] - ranks[b] || a - b);
  const groups = Array.from({ length: bins }, (_, g) => order.slice(Math.round(g * order.length / bins),
    Math.round((g + 1) * order.length / bins)));
  const means = groups.map((g) => g.reduce((s, i) => s + cosines[i], 0) / g.length);
  const rows = groups.map((g, k) => [`${count(ranks[g[0]] + 1)}–${count(ranks[g[g.length - 1]] + 1)}`,
    count(g.length), means[k].toFixed(4), g.slice(0, 3).map((i) => labels[i]).join(', ')]);
  const rho = spearman(ranks, cosines);
  const summary = `Of the vocabulary’s ${count(total)} labels, ${count(labels.length)} are one token each. Their mean `
    + `cosine with the page’s photos is ${means[0].toFixed(4)} for the fifth learned first (the commonest words, `
    + `by this proxy) and ${means[bins - 1].toFixed(4)} for the fifth learned last; Spearman’s ρ between merge rank `
    + `and mean cosine is ${rho.toFixed(2)}.`;
  return { rows, rho, summary };
}

/**
 * { photos: [{ id, title }], people: the word that differs, labels: with {person}, probs: [photo][person][label]
 * within each set } -> [{ id, title, rows: [[label, ...percent per person]], summary }]
 */
export function biasView({ photos, people, labels, probs }) {
  const shown = labels.map((label) => label.replace('{person}', '…'));
  return photos.map((photo, p) => {
    const rows = shown.map((label, l) => [label, ...people.map((_, s) => percent(probs[p][s][l]))]);
    let widest = 0;
    const gap = (l) => Math.abs(probs[p][0][l] - probs[p][1][l]);
    for (let l = 1; l < labels.length; l++) if (gap(l) > gap(widest)) widest = l;
    const summary = `On “${photo.title}”, the label that moves most is “${shown[widest]}”: `
      + `${people.map((person, s) => `${percent(probs[p][s][widest])} with “${person}”`).join(', ')}.`;
    return { ...photo, rows, summary };
  });
}
