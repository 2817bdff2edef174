// Inside the towers (issue 33): the rules of its three figures, pure, run by the page and by the build's first
// paint. The numbers come from data/towers/ (explainer/towers.py): a photo's class-token attention (L, H, T) with
// T = 1 + grid * grid (the class token itself first, then the patches row by row), its rollout (L, T) and its lens
// (L, dim); a label's end-token attention (L_text, n). Layers and heads are counted from 1, as the page says them.
import { similarities, softmax } from './clipmath.js';
import { fixed, percent } from './sentences.js';

/** How a layer's or head's choice is written: 'mean' or a number from 1. */
export const headName = (head) => (head === 'mean' ? 'the mean of all heads' : `head ${head}`);

/** The class token's attention row (T,) at layer (1..L) and head (1..H or 'mean'); in rollout view (rollout:
 *  (L * T,) flat) the rolled-out row, heads averaged. attention: (L * H * T,) flat. */
export function attentionRow({ attention, rollout, heads, tokens }, layer, head, view) {
  if (view === 'rollout') return Array.from(rollout.slice((layer - 1) * tokens, layer * tokens));
  const at = (h) => attention.slice(((layer - 1) * heads + h) * tokens, ((layer - 1) * heads + h + 1) * tokens);
  if (head !== 'mean') return Array.from(at(head - 1));
  const row = new Array(tokens).fill(0);
  for (let h = 0; h < heads; h++) at(h).forEach((value, t) => { row[t] += value / heads; });
  return row;
}

/** Attention rollout (Abnar & Zuidema 2020), the build's recipe (explainer/towers.py rollout): per layer the
 *  head-averaged attention plus the identity (the residual path), rows renormalised, multiplied from the first layer
 *  up. meanAttention: (L * T * T,) flat, every token's row, heads averaged -> (L * T,) flat: the class token's
 *  rolled-out row after each layer, as data/towers/<photo>.json's rollout. */
export function rollout(meanAttention, layers, tokens) {
  let total = Array.from({ length: tokens }, (_, i) => Array.from({ length: tokens }, (__, j) => (i === j ? 1 : 0)));
  const out = [];
  for (let l = 0; l < layers; l++) {
    const mixed = [];
    for (let i = 0; i < tokens; i++) {
      const row = Array.from(meanAttention.slice((l * tokens + i) * tokens, (l * tokens + i + 1) * tokens),
        (value, j) => value + (i === j ? 1 : 0));
      const sum = row.reduce((a, b) => a + b, 0);
      mixed.push(row.map((value) => value / sum));
    }
    total = mixed.map((row) => total[0].map((_, j) => row.reduce((a, value, k) => a + value * total[k][j], 0)));
    out.push(...total[0]);
  }
  return out;
}

/** A patch's cover over the photo: dark where the class token reads little, clear where it reads most. */
const cover = (value, max) => fixed(0.85 * (1 - (max > 0 ? value / max : 0)), 3);

/** The attention map of one view: { cells: [{ row, col, value, cover }], self, sum, top, summary } over the grid;
 *  self: the class token's weight on itself (not a patch, so not on the map). */
export function attentionView(data, grid, layer, head, view, layers) {
  const row = attentionRow(data, layer, head, view);
  const patches = row.slice(1);
  const max = Math.max(...patches);
  const cells = patches.map((value, k) => ({ row: Math.floor(k / grid), col: k % grid, value,
    cover: cover(value, max) }));
  const top = cells.reduce((best, c) => (c.value > best.value ? c : best), cells[0]);
  const share = patches.reduce((a, b) => a + b, 0);
  const what = view === 'rollout' ? `Rolled out through layers 1 to ${layer} of ${layers}`
    : `At layer ${layer} of ${layers}, ${headName(head)}`;
  const summary = `${what}, the class token gives ${percent(share)} of its attention to the ${grid * grid} patches `
    + `and ${percent(row[0])} to itself; the patch it weighs most is row ${top.row + 1}, column ${top.col + 1} `
    + `(${percent(top.value)}; an even spread would give each ${percent(share / (grid * grid))}).`;
  return { cells, self: row[0], sum: row.reduce((a, b) => a + b, 0), top, summary };
}

/** The lens: per layer (1..L) and label, the cosine of the class token's lensed vector with the label's text
 *  vector and the softmax at tau over the labels, as the probabilities figure computes them (clipmath.js).
 *  lens: L rows (dim,); texts: the labels' vectors under the chosen template, in the labels' order. */
export function lensRows(lens, texts, labels, tau) {
  const rows = [];
  lens.forEach((vector, l) => {
    const cosines = similarities(vector, texts);
    const probs = softmax(cosines, tau);
    labels.forEach((label, i) => rows.push({ layer: l + 1, label, prob: probs[i], cosine: cosines[i] }));
  });
  return rows;
}

/** The lens's sentence: the final top label and the first layer from which it stays on top. */
export function lensSummary(rows, layers) {
  const topAt = [];
  for (let l = 1; l <= layers; l++) {
    const at = rows.filter((r) => r.layer === l);
    topAt.push(at.reduce((best, r) => (r.prob > best.prob ? r : best), at[0]).label);
  }
  const final = topAt[layers - 1];
  let from = layers;
  while (from > 1 && topAt[from - 2] === final) from -= 1;
  const last = rows.find((r) => r.layer === layers && r.label === final);
  return `After the last layer “${final}” leads with ${percent(last.prob)}, the page's prediction; it has led `
    + (from === 1 ? `from layer 1 on.` : `since layer ${from} of ${layers}; before that “${topAt[from - 2]}” led.`);
}

/** A label's colour on the lens chart (CSS classes series-0..7). */
export const seriesClass = (index) => `series-${index % 8}`;

/** Where layer (1..L) sits across a lens chart width wide. */
export const layerX = (layer, layers, width, pad = 24) => pad + (layers > 1 ? (layer - 1) / (layers - 1) : 0.5)
  * (width - 2 * pad);

/** The lens's values as a table, a row per layer and a column per label: percentages, or cosines to 4 decimals. */
export function lensTable(rows, labels, layers, measure) {
  const table = [];
  for (let l = 1; l <= layers; l++) {
    const at = new Map(rows.filter((r) => r.layer === l).map((r) => [r.label, r]));
    table.push([`layer ${l}`, ...labels.map((label) => (measure === 'cosine' ? fixed(at.get(label).cosine, 4)
      : percent(at.get(label).prob)))]);
  }
  return table;
}

/** The lens chart's geometry: points (x, y in a width x height box) per label, for probabilities or cosines. */
export function lensPlot(rows, layers, measure, width, height, pad = 24) {
  const values = rows.map((r) => (measure === 'cosine' ? r.cosine : r.prob));
  const low = measure === 'cosine' ? Math.min(...values) : 0;
  const high = measure === 'cosine' ? Math.max(...values) : 1;
  const span = high - low || 1;
  const x = (layer) => layerX(layer, layers, width, pad);
  const y = (value) => height - pad - ((value - low) / span) * (height - 2 * pad);
  const ticks = measure === 'cosine' ? [fixed(low, 2), fixed(high, 2)] : ['0', '1'];
  return { points: rows.map((r, i) => ({ ...r, x: x(r.layer), y: y(values[i]) })), low, high, ticks };
}

/** Raw BPE pieces (start token first, end token last) -> what the figure writes: "start", the words without
 *  the end-of-word mark "</w>", "end". */
export const tokenNames = (pieces) => pieces.map((piece, i) => (i === 0 ? 'start'
  : i === pieces.length - 1 ? 'end' : piece.replace(/<\/w>$/, '')));

/** The lens figure's default view in one call (the build's first paint): its rows, sentence and chart. */
export function lensFigure(lens, texts, labels, tau, layers, width, height) {
  const rows = lensRows(lens, texts, labels, tau);
  return { rows, summary: lensSummary(rows, layers), plot: lensPlot(rows, layers, 'prob', width, height) };
}

/** The text side: the end token's row (n,) at layer (1..L_text), per token; cells of the n x n causal square.
 *  Row `from` is the end token's (n - 1); above the diagonal the mask hides the later tokens (no value). */
export function textAttentionView(attention, n, layer, pieces, label, layers) {
  const names = tokenNames(pieces);
  const row = Array.from(attention.slice((layer - 1) * n, layer * n));
  const max = Math.max(...row);
  const cells = [];
  for (let from = 0; from < n; from++) {
    for (let to = 0; to < n; to++) {
      const kind = to > from ? 'masked' : from === n - 1 ? 'value' : 'unshown';
      cells.push({ from, to, kind, value: kind === 'value' ? row[to] : null,
        shade: kind === 'value' ? Math.round(10 * (max > 0 ? row[to] / max : 0)) : null,  // CSS class shade-0..10
        shown: kind === 'value' ? percent(row[to], 0) : '' });
    }
  }
  const top = row.reduce((best, v, i) => (v > row[best] ? i : best), 0);
  const summary = `At layer ${layer} of ${layers}, the end token of “${label}” gives the most attention, `
    + `${percent(row[top])}, to ${top === n - 1 ? 'itself' : top === 0 ? 'the start token' : `“${names[top]}”`}; `
    + `it sees only the ${n} tokens up to itself.`;
  // a phone's width holds the square when the columns are numbered and the rows carry the words
  const rowHeads = names.map((name, i) => `${i + 1} ${name}`);
  const columnHeads = names.map((_, i) => String(i + 1));
  return { cells, row, names, rowHeads, columnHeads, summary };
}
