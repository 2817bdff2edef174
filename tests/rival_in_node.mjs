// The two-label figure's rules (templates/assets/rules/why.js: runnerUp, marginParts, marginBars, timesText,
// rivalSentence, rivalView) in Node. Run by tests/test_rival.py: node --test tests/rival_in_node.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BARS, marginBars, marginParts, rivalSentence, rivalView, runnerUp, timesText,
} from '../templates/assets/rules/why.js';

test('the default rival is the best other label: the runner-up for the top label', () => {
  assert.equal(runnerUp('cat', ['dog', 'cat', 'fox'], [0.2, 0.3, 0.25]), 'fox');
  assert.equal(runnerUp('dog', ['dog', 'cat', 'fox'], [0.2, 0.3, 0.25]), 'cat');
  assert.equal(runnerUp('cat', ['cat'], [0.3]), null);
  assert.equal(runnerUp('a', ['a', 'b', 'c'], [0.1, 0.2, 0.2]), 'b');  // the first of equals
});

test('the products photo * (label - rival) sum to the margin; the shown ones are the largest each way', () => {
  const image = Array.from({ length: 40 }, (_, i) => Math.sin(i + 1) / 4);
  const text = Array.from({ length: 40 }, (_, i) => Math.cos(2 * i) / 4);
  const rival = Array.from({ length: 40 }, (_, i) => Math.sin(3 * i) / 4);
  const parts = marginParts(image, text, rival, 3);
  const shown = [...parts.forLabel, ...parts.forRival];
  const total = shown.reduce((s, p) => s + p.product, 0) + parts.rest.sum;
  assert.ok(Math.abs(total - parts.margin) < 1e-12);
  assert.equal(parts.rest.count, 40 - shown.length);
  const products = image.map((v, i) => v * (text[i] - rival[i])).sort((a, b) => b - a);
  assert.deepEqual(parts.forLabel.map((p) => p.product), products.slice(0, 3));
  assert.deepEqual(parts.forRival.map((p) => p.product), products.slice(-3).reverse());
  const { bars, height } = marginBars(parts);
  for (const bar of bars) {
    assert.ok(bar.x >= BARS.zero - BARS.half - 1e-9 && bar.x + bar.width <= BARS.zero + BARS.half + 1e-9);
    assert.ok(bar.y >= 0 && bar.y + BARS.bar <= height);
    assert.equal(bar.favours === 'label', bar.x === BARS.zero);
  }
  assert.equal(Math.max(...bars.map((b) => b.width)), BARS.half);
});

test('the softmax sentence: the ratio exp(margin / tau), either way, even past the largest float', () => {
  assert.equal(timesText(Math.log(2)), '2');
  assert.equal(timesText(Math.log(3e9)), '3.0 × 10⁹');
  assert.equal(timesText(2000), '3.9 × 10⁸⁶⁸');  // e^2000: no Infinity
  const words = rivalSentence({ label: 'cat', rival: 'dog', margin: -0.01, tau: 0.01, pLabel: 0.2, pRival: 0.6,
    gap: -0.4 });
  assert.match(words, /“cat” trails “dog” by 0\.0100 in cosine/);
  assert.match(words, /“dog” is e\^1\.00 ≈ 2\.72 times as probable as “cat” \(60\.00% against 20\.00%\)/);
  assert.match(words, /= −40\.0 percentage points\.$/);
});

test('the view: the attributes at full precision; no map without occluded vectors', () => {
  const view = rivalView({ image: [0.6, 0.8], text: [1, 0], rivalText: [0, 1], occluded: null, grid: 1,
    label: 'a', rival: 'b', pLabel: 0.3, pRival: 0.5, tau: 0.1 });
  assert.equal(Number(view.attributes.margin), 0.6 - 0.8);
  assert.equal(Number(view.attributes.gap), 0.3 - 0.5);
  assert.equal(Number(view.attributes.ratio), Math.exp((0.6 - 0.8) / 0.1));
  assert.equal(view.map, null);
  const mapped = rivalView({ image: [0.6, 0.8], text: [1, 0], rivalText: [0, 1], occluded: [[0, 1]], grid: 1,
    label: 'a', rival: 'b', pLabel: 0.3, pRival: 0.5, tau: 0.1 });
  assert.ok(Math.abs(mapped.map.cells[0].value - ((0.6 - 0) - (0.8 - 1))) < 1e-12);  // label's drop minus rival's
});
