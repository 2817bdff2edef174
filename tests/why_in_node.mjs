// The "why" figures' rules (templates/assets/rules/why.js) and their state (store.js's chooseWhyLabel, chooseRival,
// whyLabels) in Node. Run by tests/test_why.py: node --test tests/why_in_node.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actions, initialState, reduce, whyLabels } from '../templates/assets/state/store.js';
import { divergingColour, dotParts, occlusionCells, occlusionSummary } from '../templates/assets/rules/why.js';

test('a cell is the drop in cosine when it is hidden; row 0 is the top row', () => {
  const image = [1, 0];
  const occluded = [[1, 0], [0.8, 0.6], [0, 1], [0.6, 0.8]];  // a 2 x 2 grid, row by row
  const cells = occlusionCells(image, occluded, 2, [1, 0]);
  assert.deepEqual(cells.map((c) => [c.row, c.col]), [[0, 0], [0, 1], [1, 0], [1, 1]]);
  assert.deepEqual(cells.map((c) => Number(c.value.toFixed(6))), [0, 0.2, 1, 0.4]);
  const difference = occlusionCells(image, occluded, 2, [1, 0], [0, 1]);  // minus the rival's drop
  assert.deepEqual(difference.map((c) => Number(c.value.toFixed(6))), [0, 0.8, 2, 1.2]);
  assert.match(occlusionSummary('cat', null, cells), /row 2, column 1 lowers the cosine with “cat” most/);
});

test('the colour scale is centred at 0', () => {
  assert.equal(divergingColour(0, 1), '#f7f7f7');
  assert.equal(divergingColour(1, 1), '#b2182b');
  assert.equal(divergingColour(-5, 1), '#2166ac');
});

test('the running sum ends at the cosine; half counts the largest products that carry half of it', () => {
  const { parts, cosine, half } = dotParts([0.5, 0.5, 0.5, 0.5], [0.6, -0.2, 0.4, 0.1]);
  assert.deepEqual(parts.map((p) => p.dim), [0, 2, 3, 1]);
  assert.ok(Math.abs(cosine - 0.45) < 1e-12);
  assert.equal(half, 1);  // 0.3 >= 0.225
  const negative = dotParts([1, 0, 0], [-0.2, 0.1, 0.3]);  // a negative cosine: the most negative first
  assert.equal(negative.parts[0].dim, 0);
  assert.equal(negative.half, 1);
});

test('the chosen labels are the store\'s, falling back to the top label and to no rival', () => {
  let state = initialState({ photo: 'cat', template: 'photo', tauIndex: 0, labels: ['cat', 'dog'] }, ['cat', 'dog']);
  assert.deepEqual(whyLabels(state, 'dog'), { label: 'dog', rival: null });
  state = reduce(reduce(state, actions.chooseWhyLabel('cat')), actions.chooseRival('dog'));
  assert.deepEqual(whyLabels(state, 'dog'), { label: 'cat', rival: 'dog' });
  state = reduce(state, actions.chooseRival('cat'));  // never the label itself
  assert.deepEqual(whyLabels(state, 'dog'), { label: 'cat', rival: null });
  state = reduce(state, actions.removeLabel('cat'));
  assert.deepEqual(whyLabels(state, 'dog'), { label: 'dog', rival: null });
});
