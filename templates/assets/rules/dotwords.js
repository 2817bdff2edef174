// What the dot-product figure says, as one rule from its numbers (dotParts in why.js): where the running sum of the
// sorted products peaks, where it ends (the cosine), how much of the climb the other products cancel, and the
// panels' y-axis titles. Pure: figures/dot.js writes it for the reader's view, the build for the first paint.
import { signed } from './sentences.js';

const four = (x) => `${x < 0 ? '−' : ''}${Math.abs(x).toFixed(4)}`;

// share of the climb cancelled from which the cosine is called "a small leftover of large cancellation"
export const LARGE_CANCELLATION = 0.5;

/** The climb and what cancels it. parts: dotParts's, sorted largest first in the direction of the cosine's sign.
 *  Returns { sign, peak: the running sum's extreme in that direction, peakRank: its 1-based rank, climbing: the
 *  products with the cosine's sign (their count and sum), against: the others, cancelled: the share of the climb
 *  the others take back (0 to 1 and more) }. */
export function dotClimb({ parts, cosine }) {
  const sign = cosine < 0 ? -1 : 1;
  let peak = 0;
  let peakRank = 0;
  parts.forEach((p, i) => { if (sign * p.sum > sign * peak) { peak = p.sum; peakRank = i + 1; } });
  const climbing = parts.filter((p) => sign * p.product > 0);
  const against = parts.filter((p) => sign * p.product <= 0);
  const total = (list) => list.reduce((s, p) => s + p.product, 0);
  const up = total(climbing);
  const down = total(against);
  return { sign, peak, peakRank, climbing: { count: climbing.length, sum: up }, against: { count: against.length,
    sum: down }, cancelled: up === 0 ? 0 : Math.abs(down) / Math.abs(up) };
}

/** The sentence under the dot product: the cosine, the running sum's peak and where, how much cancels, and how
 *  few products carry half of the cosine. */
export function dotSummary(label, dot) {
  const { parts, cosine, half } = dot;
  const climb = dotClimb(dot);
  const [mine, theirs] = climb.sign > 0 ? ['positive', 'negative'] : ['negative', 'positive'];
  const start = `The cosine with “${label}” is ${four(cosine)}, the sum of ${parts.length} products.`;
  const share = `${(100 * climb.cancelled).toFixed(0)}%`;
  const verdict = climb.against.count === 0 ? ` All ${parts.length} products are ${mine}: nothing cancels.`
    : ` Taken largest first, the ${climb.climbing.count} ${mine} products take the running sum to `
      + `${four(climb.peak)} (at product ${climb.peakRank}); the ${climb.against.count} ${theirs} ones add `
      + `${signed(climb.against.sum)} and bring it back to ${four(cosine)}. `
      + (climb.cancelled >= LARGE_CANCELLATION
        ? `The cosine is a small leftover of large cancellation: ${share} of the climb cancels.`
        : `Only ${share} of the climb cancels.`);
  return `${start}${verdict} The ${half} largest carry half of the cosine.`;
}

/** The y-axis title of each panel (image, text, product: bars from a zero line, scaled to the largest |value|;
 *  sum: the running sum's range) and the sum panel's lines. */
export function dotAxes({ parts, cosine }) {
  const extent = (values) => Math.max(...values.map(Math.abs));
  const range = (key) => `y: value, from −${extent(parts.map((p) => p[key])).toFixed(4)} to `
    + `+${extent(parts.map((p) => p[key])).toFixed(4)}`;
  const sums = parts.map((p) => p.sum);
  return { image: range('image'), text: range('text'), product: range('product'),
    sum: `y: running sum, from ${four(Math.min(0, ...sums))} to ${four(Math.max(0, ...sums))}; dashed red line: `
      + `the cosine, ${four(cosine)}; grey line: 0` };
}
