// Why a label wins, as view rules: the occlusion map's cells and colours, and the dot product taken apart, with
// the sentences and table cells both figures write. Pure (no DOM): figures/saliency.js and figures/dot.js draw
// them for the reader's view, and the build (explainer/views.py) for the first paint.
import { dot } from './clipmath.js';
import { threeDigits } from './sentences.js';

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

const signed = (x) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(4)}`;
const place = (c) => `row ${c.row + 1}, column ${c.col + 1}`;

/** The map's sentence: which cell matters most, in which direction. */
export function occlusionSummary(label, rival, cells) {
  const most = cells.reduce((a, b) => (b.value > a.value ? b : a));
  const least = cells.reduce((a, b) => (b.value < a.value ? b : a));
  if (rival) {
    return `Red cells favour “${label}” over “${rival}”: hiding one lowers the cosine with “${label}” more than `
      + `with “${rival}”; blue cells favour “${rival}”. Strongest for “${label}”: ${place(most)} `
      + `(${signed(most.value)}); for “${rival}”: ${place(least)} (${signed(least.value)}).`;
  }
  return `Hiding ${place(most)} lowers the cosine with “${label}” most (${signed(-most.value)}); `
    + (least.value < 0 ? `hiding ${place(least)} raises it most (${signed(-least.value)}).`
      : 'hiding any cell lowers it.');
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

/** Everything the dot figure shows for a view: dotParts's, with its sentence and the first rows of its table. */
export function dotView(image, text, label) {
  const parts = dotParts(image, text);
  return { ...parts, summary: dotSummary(label, parts), cells: dotCells(parts) };
}

/** The sentence under the dot product. */
export function dotSummary(label, { parts, cosine, half }) {
  return `The cosine with “${label}” is ${cosine.toFixed(4)}, the sum of ${parts.length} products. The ${half} `
    + `largest carry half of it; the other ${parts.length - half} add the rest, positive and negative ones `
    + 'partly cancelling.';
}

/** The first n products as table rows: [rank, dimension, photo value, label value, product, running sum]. */
export const dotCells = ({ parts }, n = 10) => parts.slice(0, n).map((p, i) => [String(i + 1), String(p.dim),
  p.image.toFixed(4), p.text.toFixed(4), p.product.toFixed(5), p.sum.toFixed(4)]);

/** What the dot figure says about one product: its rank, dimension, the two values, the product and the sum. */
export const dotReadout = (part, rank) => `Rank ${rank + 1}, dimension ${part.dim}: photo ${part.image.toFixed(4)} × `
  + `label ${part.text.toFixed(4)} = ${part.product.toFixed(5)}; running sum ${part.sum.toFixed(4)}.`;
