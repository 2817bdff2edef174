// The objective figure's rules (templates/assets/rules/objective.js) and the caption action (state/numbersstate.js,
// joined to store.js) in Node. Run by tests/test_objective.py: node --test tests/objective_in_node.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { objective, objectiveFromLogits, objectiveView, pushWords } from '../templates/assets/rules/objective.js';
import { actions, initialState, reduce } from '../templates/assets/state/store.js';

// a small batch with no symmetry: N = 3 logits, rows photos, columns captions
const LOGITS = [[2.0, -0.5, 0.3], [0.1, 1.2, 3.0], [-1.0, 0.4, 0.7]];

test('the gradient of the symmetric loss is what central finite differences of the loss say', () => {
  const { grad } = objectiveFromLogits(LOGITS);
  const h = 1e-5;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const up = LOGITS.map((row) => [...row]);
      const down = LOGITS.map((row) => [...row]);
      up[i][j] += h;
      down[i][j] -= h;
      const numeric = (objectiveFromLogits(up).loss - objectiveFromLogits(down).loss) / (2 * h);
      assert.ok(Math.abs(numeric - grad[i][j]) < 1e-8, `(${i}, ${j}): ${numeric} against ${grad[i][j]}`);
    }
  }
});

test('rows and columns are softmaxes; the losses are their cross-entropies on the diagonal', () => {
  const o = objectiveFromLogits(LOGITS);
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(o.pRow[i].reduce((a, b) => a + b) - 1) < 1e-12);
    assert.ok(Math.abs(o.pCol.reduce((sum, row) => sum + row[i], 0) - 1) < 1e-12);
    assert.ok(Math.abs(o.rowLoss[i] + Math.log(o.pRow[i][i])) < 1e-12);
    assert.ok(Math.abs(o.colLoss[i] + Math.log(o.pCol[i][i])) < 1e-12);
  }
  assert.ok(Math.abs(o.loss - (o.lossImage + o.lossText) / 2) < 1e-15);
  // the gradient of a softmax cross-entropy sums to 0 along its own axis: so does the mean of the two directions
  const total = o.grad.flat().reduce((a, b) => a + b);
  assert.ok(Math.abs(total) < 1e-12);
});

test('a batch that cannot tell its pairs apart costs ln N; logits far apart cost no underflowed infinity', () => {
  const same = [[1, 0], [1, 0]];
  assert.ok(Math.abs(objective(same, same, 0.01).loss - Math.log(2)) < 1e-12);
  const sharp = objectiveFromLogits([[0, 2000], [2000, 0]]);  // a softmax share of exp(-2000) rounds to 0
  assert.ok(Number.isFinite(sharp.loss) && Math.abs(sharp.loss - 2000) < 1e-9);
});

test('the view: full numbers, the pushes as words, a sentence', () => {
  const images = [[1, 0], [0, 1]];
  const v = objectiveView(images, images, 0.5, ['a', 'b'], ['x', 'y']);
  assert.equal(v.cells[0][0].logit, 2);
  assert.equal(v.cells[0][1].logit, 0);
  assert.equal(v.cols[1].caption, 'y');
  assert.match(v.sentence, /its own caption takes the largest share for 2 of the 2 photos/);
  assert.equal(pushWords(-0.25), '▲0.2500');
  assert.equal(pushWords(0.01), '▼0.0100');
  assert.equal(pushWords(1e-6), '·0');
});

test('setCaption: a label stands in for a photo\'s caption, null gives the alt text back', () => {
  let state = initialState({ photo: 'cat', template: 'photo', tauIndex: 0, labels: ['cat'] }, ['cat']);
  assert.equal(state.captions.size, 0);
  state = reduce(state, actions.setCaption('constructor', 'cat'));
  assert.equal(state.captions.get('constructor'), 'cat');
  assert.equal(reduce(state, actions.setCaption('constructor', 'cat')), state);  // nothing changed
  state = reduce(state, actions.setCaption('constructor', null));
  assert.equal(state.captions.size, 0);
});
