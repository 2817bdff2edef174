// The dot-product figure's words (templates/assets/rules/dotwords.js) on small hand-made vectors whose climb and
// cancellation are known. Run by tests/test_sentences.py: node --test tests/dotwords_in_node.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dotAxes, dotClimb, dotSummary } from '../templates/assets/rules/dotwords.js';
import { dotParts } from '../templates/assets/rules/why.js';

test('a small leftover of large cancellation: the peak, its rank and the share cancelled', () => {
  const dot = dotParts([0.5, 0.5, 0.5, 0.5], [0.6, 0.3, -0.4, -0.3]);  // products 0.3, 0.15, -0.2, -0.15
  const climb = dotClimb(dot);
  assert.equal(climb.peakRank, 2);
  assert.ok(Math.abs(climb.peak - 0.45) < 1e-12 && Math.abs(climb.cancelled - 0.35 / 0.45) < 1e-12);
  const words = dotSummary('cat', dot);
  assert.match(words, /is 0\.1000, the sum of 4 products/);
  assert.match(words, /the 2 positive products take the running sum to 0\.4500 \(at product 2\)/);
  assert.match(words, /the 2 negative ones add −0\.3500 and bring it back to 0\.1000/);
  assert.match(words, /a small leftover of large cancellation: 78% of the climb cancels/);
});

test('little cancellation is said as such; nothing to cancel too', () => {
  const little = dotSummary('dog', dotParts([1, 1, 1], [0.5, 0.4, -0.1]));
  assert.match(little, /Only 11% of the climb cancels/);
  assert.doesNotMatch(little, /leftover/);
  assert.match(dotSummary('dog', dotParts([1, 1], [0.5, 0.4])), /All 2 products are positive: nothing cancels/);
});

test('a negative cosine: the negative products fall first and the positive ones cancel', () => {
  const dot = dotParts([1, 1, 1], [-0.6, 0.2, 0.1]);
  const climb = dotClimb(dot);
  assert.equal(climb.sign, -1);
  assert.ok(Math.abs(climb.peak + 0.6) < 1e-12 && climb.peakRank === 1);
  const words = dotSummary('x', dot);
  assert.match(words, /the 1 negative products take the running sum to −0\.6000 \(at product 1\)/);
  assert.match(words, /the 2 positive ones add \+0\.3000/);
});

test('the axis titles give each panel its range and name the cosine line', () => {
  const axes = dotAxes(dotParts([0.5, -0.5], [0.2, 0.8]));
  assert.equal(axes.image, 'y: value, from −0.5000 to +0.5000');
  assert.equal(axes.product, 'y: value, from −0.4000 to +0.4000');
  assert.match(axes.sum, /^y: running sum, from −0\.4000 to 0\.0000; dashed red line: the cosine, −0\.3000/);
});
