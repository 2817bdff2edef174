// Why a label wins, as view rules: the occlusion map's cells and colours, and the dot product taken apart, with
// the sentences and table cells both figures write. Pure (no DOM): figures/saliency.js and figures/dot.js draw
// them for the reader's view, and the build (explainer/views.py) for the first paint.
import { dot } from './clipmath.js';
import { dotAxes, dotSummary } from './dotwords.js';
import { projectionWords } from './rotation.js';
import { percent, signed, threeDigits } from './sentences.js';

// ---- where in the photo: the occlusion map ------------------------------------------------------------

/** Everything the map shows for a view: its cells (each with its colour), the scale's half-width, the legend's
 *  ticks, the sentence and the screen readers' table. Arguments as occlusionCells's; label and rival: names. */
export function occlusionView(image, occluded, grid, text, rivalText, label, rival) {
  const cells = occlusionCells(image, occluded, grid, text, rivalText);
  const extent = mapExtent(cells);
  for (const cell of cells) cell.colour = divergingColour(cell.value, extent);
  return { cells, extent, ticks: legendTicks(extent), summary: occlusionSummary(label, rival, cells),
    table: occlusionTable(cells, grid) };
}

/** A label's occlusion map. image: (dim,); occluded: grid * grid vectors (dim,), row by row, row 0 at the top;
 *  text: the label's (dim,). A cell's value is cos(image, text) - cos(occluded cell, text): how much the cosine
 *  drops when that cell is hidden. With rival, the rival's drop is subtracted (the difference map).
 *  Returns [{ row, col, value }] in the same order. */
export function occlusionCells(image, occluded, grid, text, rival = null) {
  const drops = (t) => {
    const whole = dot(image, t);
    return occluded.map((cell) => whole - dot(cell, t));  // one dot product per cell
  };
  const mine = drops(text);
  const theirs = rival ? drops(rival) : null;
  return mine.map((drop, k) => ({ row: Math.floor(k / grid), col: k % grid, value: theirs ? drop - theirs[k] : drop }));
}

/** The colour scale's half-width: the largest |value| (never 0, so an all-zero map stays white). */
export const mapExtent = (cells) => Math.max(1e-9, ...cells.map((c) => Math.abs(c.value)));

const NEGATIVE = [33, 102, 172];  // blue: hiding the cell raises the cosine
const ZERO = [247, 247, 247];
const POSITIVE = [178, 24, 43];   // red: hiding the cell lowers the cosine (the cell supports the label)

/** Diverging colour centred at 0: value / extent from -1 (blue) through 0 (near-white) to +1 (red), as #rrggbb. */
export function divergingColour(value, extent) {
  const t = Math.max(-1, Math.min(1, value / extent));
  const end = t < 0 ? NEGATIVE : POSITIVE;
  const mix = ZERO.map((z, i) => Math.round(z + (end[i] - z) * Math.abs(t)));
  return `#${mix.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** The legend's three ticks, in cosine units: [-extent, 0, +extent] as text. */
export const legendTicks = (extent) => [`−${threeDigits(extent)}`, '0', `+${threeDigits(extent)}`];

const place = (c) => `row ${c.row + 1}, column ${c.col + 1}`;

/** The map's sentence: which cell matters most, in which direction. Its signed numbers are the cells' values, as
 *  the legend and the table write them (+: hiding the cell lowers the cosine). */
export function occlusionSummary(label, rival, cells) {
  const most = cells.reduce((a, b) => (b.value > a.value ? b : a));
  const least = cells.reduce((a, b) => (b.value < a.value ? b : a));
  if (rival) {
    return `Red cells favour “${label}” over “${rival}”: hiding one lowers the cosine with “${label}” more than `
      + `with “${rival}”; blue cells favour “${rival}”. Strongest for “${label}”: ${place(most)} `
      + `(${signed(most.value)}); for “${rival}”: ${place(least)} (${signed(least.value)}).`;
  }
  return `Hiding ${place(most)} lowers the cosine with “${label}” most (${signed(most.value)}); `
    + (least.value < 0 ? `hiding ${place(least)} raises it most (${signed(least.value)}).`
      : 'hiding any cell lowers it.');
}

/** What the map says about one cell (pointed at or focused): its place, its value and what hiding it does. */
export function occlusionReadout(cell, label, rival) {
  const by = Math.abs(cell.value).toFixed(4);
  if (rival) {
    return `${place(cell)[0].toUpperCase()}${place(cell).slice(1)}: ${signed(cell.value)}. Hiding it lowers the `
      + `cosine with “${label}” ${cell.value >= 0 ? 'more' : 'less'} than with “${rival}”, by ${by}.`;
  }
  return `${place(cell)[0].toUpperCase()}${place(cell).slice(1)}: ${signed(cell.value)}. Hiding it `
    + `${cell.value >= 0 ? 'lowers' : 'raises'} the cosine with “${label}” by ${by}.`;
}

/** The map as a table for screen readers: one row per grid row, [row name, value per column]. */
export const occlusionTable = (cells, grid) => Array.from({ length: grid }, (_, row) => [`row ${row + 1}`,
  ...cells.filter((c) => c.row === row).map((c) => signed(c.value))]);

// ---- the dot product, taken apart ---------------------------------------------------------------------

/** image and text (dim,) -> { parts: [{ dim, image, text, product, sum }] sorted by product, largest first in the
 *  direction of the cosine's sign, sum the running sum; cosine: the last running sum; half: how many of the
 *  first parts already carry half of the cosine }. */
export function dotParts(image, text) {
  const sign = dot(image, text) < 0 ? -1 : 1;
  const parts = Array.from(image, (v, dim) => ({ dim, image: v, text: text[dim], product: v * text[dim] }))
    .sort((a, b) => sign * (b.product - a.product) || a.dim - b.dim);
  let sum = 0;
  let half = 0;
  const total = parts.reduce((s, p) => s + p.product, 0);
  for (const [i, part] of parts.entries()) {
    sum += part.product;
    part.sum = sum;
    if (!half && sign * sum >= sign * total / 2) half = i + 1;
  }
  return { parts, cosine: sum, half };
}

/** Everything the dot figure shows for a view: dotParts's, with its sentence (dotwords.js), its panels' axis
 *  titles and the first rows of its table. */
export function dotView(image, text, label) {
  const parts = dotParts(image, text);
  return { ...parts, summary: dotSummary(label, parts), axes: dotAxes(parts), cells: dotCells(parts) };
}

/** The first n products as table rows: [rank, dimension, photo value, label value, product, running sum]. */
export const dotCells = ({ parts }, n = 10) => parts.slice(0, n).map((p, i) => [String(i + 1), String(p.dim),
  p.image.toFixed(4), p.text.toFixed(4), p.product.toFixed(5), p.sum.toFixed(4)]);

/** What the dot figure says about one product: its rank, dimension, the two values, the product and the sum. */
export const dotReadout = (part, rank) => `Rank ${rank + 1}, dimension ${part.dim}: photo ${part.image.toFixed(4)} × `
  + `label ${part.text.toFixed(4)} = ${part.product.toFixed(5)}; running sum ${part.sum.toFixed(4)}.`;

// ---- two labels side by side ---------------------------------------------------------------------------

/** The rival a label is compared with by default: the best-scoring other label (for the top label, the
 *  runner-up); the first of equals; null when there is no other label. labels, sims: the scored labels and their
 *  cosines, in the same order. */
export function runnerUp(label, labels, sims) {
  let best = -1;
  labels.forEach((other, i) => { if (other !== label && (best < 0 || sims[i] > sims[best])) best = i; });
  return best < 0 ? null : labels[best];
}

export const TOP_DIMENSIONS = 6;  // dimensions shown each way

/** The dimensions that separate two labels: image_i * (text_i - rival_i) for each i, summing to the cosine margin
 *  cos(image, text) - cos(image, rival). image, text, rivalText: (dim,). Returns { margin, forLabel: the n largest
 *  positive products (the photo sides with the label there), forRival: the n most negative, rest: { count, sum }
 *  of the others }, each part { dim, image, text, rival, product }. */
export function marginParts(image, text, rivalText, n = TOP_DIMENSIONS) {
  const parts = Array.from(image, (v, dim) => ({ dim, image: v, text: text[dim], rival: rivalText[dim],
    product: v * (text[dim] - rivalText[dim]) })).sort((a, b) => b.product - a.product || a.dim - b.dim);
  const forLabel = parts.slice(0, n).filter((p) => p.product > 0);
  const forRival = parts.slice(-n).reverse().filter((p) => p.product < 0);
  const shown = new Set([...forLabel, ...forRival]);
  const others = parts.filter((p) => !shown.has(p));
  return { margin: dot(image, text) - dot(image, rivalText), forLabel, forRival,
    rest: { count: others.length, sum: others.reduce((s, p) => s + p.product, 0) } };
}

// the dimension bars' drawing (viewBox units): names on the left, bars from a zero line, a gap between the groups
export const BARS = { width: 300, zero: 181, half: 114, row: 16, bar: 11, gap: 8 };

/** Where each shown dimension's bar goes: [{ dim, x, y, width, favours: 'label' | 'rival', name }] and the
 *  drawing's height; the largest |product| fills half the width, the label's side to the right of zero. */
export function marginBars({ forLabel, forRival }) {
  const extent = Math.max(1e-12, ...[...forLabel, ...forRival].map((p) => Math.abs(p.product)));
  const bar = (p, i, favours) => {
    const width = Math.abs(p.product) / extent * BARS.half;
    const y = i * BARS.row + (favours === 'rival' && forLabel.length ? BARS.gap : 0) + 2;
    return { dim: p.dim, favours, name: `dim ${p.dim}`, y: Number(y.toFixed(2)), width: Number(width.toFixed(2)),
      x: Number((favours === 'label' ? BARS.zero : BARS.zero - width).toFixed(2)) };
  };
  const bars = [...forLabel.map((p, i) => bar(p, i, 'label')),
    ...forRival.map((p, i) => bar(p, forLabel.length + i, 'rival'))];
  const rows = forLabel.length + forRival.length;
  return { bars, height: rows * BARS.row + (forLabel.length && forRival.length ? BARS.gap : 0) + 4 };
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const power = (n) => `10${String(n).replace(/\d/g, (d) => SUPERSCRIPT[d])}`;

/** e^x in words for x >= 0: three significant digits below a million, else "1.5 × 10⁹" (from the exponent, so a
 *  ratio past the largest float still reads). */
export function timesText(x) {
  if (x < Math.log(1e6)) return threeDigits(Math.exp(x));
  const decades = x / Math.LN10;
  const whole = Math.floor(decades);
  return `${(10 ** (decades - whole)).toFixed(1)} × ${power(whole)}`;
}

const points = (gap) => `${gap < 0 ? '−' : '+'}${Math.abs(100 * gap).toFixed(1)} percentage points`;

/** What the softmax makes of the margin at temperature tau: the sentence under the two labels. */
export function rivalSentence({ label, rival, margin, tau, pLabel, pRival, gap }) {
  const [ahead, behind, pAhead, pBehind] = margin >= 0 ? [label, rival, pLabel, pRival]
    : [rival, label, pRival, pLabel];
  const logits = Math.abs(margin) / tau;
  return `“${label}” ${margin >= 0 ? 'leads' : 'trails'} “${rival}” by ${Math.abs(margin).toFixed(4)} in cosine. `
    + `At τ = ${threeDigits(tau)} the softmax divides it by τ: ${logits.toFixed(2)} in the logits, so “${ahead}” is `
    + `e^${logits.toFixed(2)} ≈ ${timesText(logits)} times as probable as “${behind}” (${percent(pAhead, 2)} against `
    + `${percent(pBehind, 2)}): p(“${label}”) − p(“${rival}”) = ${points(gap)}.`;
}

/** The sentence under the dimensions: what the shown ones carry each way and what the rest add. */
export function marginSummary(label, rival, { margin, forLabel, forRival, rest }) {
  const sum = (parts) => parts.reduce((s, p) => s + p.product, 0);
  const sign = (x) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(4)}`;
  return `The ${forLabel.length} dimensions that most favour “${label}” add ${sign(sum(forLabel))}; the `
    + `${forRival.length} that most favour “${rival}” add ${sign(sum(forRival))}; the other ${rest.count} add `
    + `${sign(rest.sum)}. Together: the margin, ${sign(margin)}.`;
}

/** The dimensions as table rows for screen readers: [dimension, photo, label, rival, product], then the rest and
 *  the margin. */
export function marginCells({ margin, forLabel, forRival, rest }) {
  const row = (p) => [String(p.dim), p.image.toFixed(4), p.text.toFixed(4), p.rival.toFixed(4), p.product.toFixed(5)];
  return [...forLabel.map(row), ...forRival.map(row), [`the other ${rest.count}`, '', '', '', rest.sum.toFixed(5)],
    ['sum: the margin', '', '', '', margin.toFixed(5)]];
}

/** Everything the two-label figure shows for a view. image, text, rivalText: (dim,); occluded: the photo's
 *  grid * grid occluded vectors, or null (no map: not loaded, or none for this photo); pLabel, pRival: the two
 *  labels' probabilities at temperature tau (the page's softmax over every scored label). The attributes are
 *  full-precision strings, written alike by the build and the page. */
export function rivalView({ image, text, rivalText, occluded, grid, label, rival, pLabel, pRival, tau }) {
  const parts = marginParts(image, text, rivalText);
  const { margin } = parts;
  const gap = pLabel - pRival;
  const numbers = { label, rival, margin, tau, pLabel, pRival, gap };
  return {
    ...marginBars(parts), margin, gap, sentence: rivalSentence(numbers), summary: marginSummary(label, rival, parts),
    cells: marginCells(parts),
    attributes: { margin: String(margin), gap: String(gap), logit: String(margin / tau),
      ratio: String(Math.exp(margin / tau)) },
    map: occluded ? occlusionView(image, occluded, grid, text, rivalText, label, rival) : null,
  };
}

/** The build's first paint of the two-label figure, in one call: label against its runnerUp among labels (texts:
 *  their (dim,) vectors; sims, probs: their cosines and probabilities at tau), as rivalView draws it, with the
 *  bars' geometry; { label, rival: null, geometry } with one label. */
export function rivalFirstPaint({ image, texts, labels, label, sims, probs, occluded, grid, tau }) {
  const rival = runnerUp(label, labels, sims);
  if (rival === null) {
    return { label, rival, geometry: BARS, map: null, bars: [], height: 4, cells: [], sentence: '', summary: '' };
  }
  const [i, j] = [labels.indexOf(label), labels.indexOf(rival)];
  return { ...rivalView({ image, text: texts[i], rivalText: texts[j], occluded, grid, label, rival, pLabel: probs[i],
    pRival: probs[j], tau }), label, rival, geometry: BARS, projection: projectionWords(label, rival, image, texts[i],
    texts[j]) };
}
