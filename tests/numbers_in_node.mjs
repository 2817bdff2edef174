// The deep dive's rules (templates/assets/rules/objective.js, scores.js, centre.js) and its actions
// (state/numbersstate.js, joined to store.js) in Node.
// Run by tests/test_objective.py: node --test tests/numbers_in_node.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { objective, objectiveFromLogits, objectiveView, pushWords } from '../templates/assets/rules/objective.js';
import { actions, initialState, reduce } from '../templates/assets/state/store.js';
import { percentile, scoreView, sortedScores } from '../templates/assets/rules/scores.js';
import { centreReading, centred } from '../templates/assets/rules/centre.js';
import { centring } from '../templates/assets/state/numbersstate.js';

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

test('typeCaption: a typed caption (live mode) replaces a label chosen, and waits for its vector', () => {
  let state = initialState({ photo: 'cat', template: 'photo', tauIndex: 0, labels: ['cat'] }, ['cat']);
  state = reduce(state, actions.setCaption('p1', 'cat'));
  state = reduce(state, actions.typeCaption('p1', 'a cat on a mat'));
  assert.equal(state.captions.size, 0);  // the label gave way
  assert.equal(state.typed.get('p1'), 'a cat on a mat');
  assert.equal(state.typedVectors.get('a cat on a mat').state, 'pending');
  assert.equal(reduce(state, actions.typeCaption('p1', 'a cat on a mat')), state);  // nothing changed
  const vector = new Float32Array([1, 0]);
  state = reduce(state, actions.captionEmbedded('a cat on a mat', vector));
  assert.equal(state.typedVectors.get('a cat on a mat').vector, vector);
  assert.equal(reduce(state, actions.captionEmbedded('other', vector)), state);  // never asked for
  state = reduce(state, actions.typeCaption('p2', 'oops'));
  state = reduce(state, actions.captionEmbedded('oops', null, new Error('no')));
  assert.equal(state.typedVectors.get('oops').state, 'failed');
  state = reduce(state, actions.typeCaption('p2', 'oops'));  // typed again: a retry
  assert.equal(state.typedVectors.get('oops').state, 'pending');
  state = reduce(state, actions.setCaption('p1', null));  // its own alt text again: the typed caption goes
  assert.equal(state.typed.has('p1'), false);
  state = reduce(state, actions.typeCaption('p2', null));
  assert.equal(state.typed.size, 0);
  assert.equal(state.typedVectors.size, 0);  // no vector kept for a caption no photo has
});

test('the scores: delta-decoded, percentiles by the mid-rank rule on the 4-decimal grid', () => {
  const sorted = sortedScores({ first: -5, deltas: [3, 0, 2, 10] });  // -5, -2, -2, 0, 10 (units of 1e-4)
  assert.deepEqual([...sorted], [-5, -2, -2, 0, 10]);
  assert.equal(percentile(sorted, -0.0002), 100 * (1 + 2 / 2) / 5);   // one below, two equal
  assert.equal(percentile(sorted, 0.00004), 100 * (3 + 1 / 2) / 5);    // rounds to 0: three below, one equal
  assert.equal(percentile(sorted, 1), 100);
  assert.equal(percentile(sorted, -1), 0);
  const view = scoreView({ first: -5, deltas: [3, 0, 2, 10], baseline: -0.0001, baseline_text: 'a photo of a .' },
    ['cat', 'dog'], [0.001, -0.0002]);
  assert.deepEqual(view.rows.map((r) => r.percentile), [90, 40]);  // 0.001 ties the top one
  assert.ok(Math.abs(view.rows[0].above - 0.0011) < 1e-15);
  assert.match(view.sentence, /“cat”, at 0.0010, is above 90.0% of them and \+0.0011 from the empty prompt/);
});

test('centring subtracts the mean and renormalises; the switch and the means are actions', () => {
  const v = centred([1, 1], [1, 0]);
  assert.deepEqual([...v], [0, 1]);
  let state = initialState({ photo: 'cat', template: 'photo', tauIndex: 0, labels: ['cat'] }, ['cat']);
  assert.equal(centring(state), null);
  state = reduce(state, actions.setCentred(true));
  assert.equal(centring(state), null);  // on, but the means are on their way: the view stays as trained
  state = reduce(state, actions.centreLoaded({ image: [1, 0], text: new Map([['photo', [0, 0.5]]]) }));
  const centre = centring(state);
  assert.deepEqual([...centre.image(new Float32Array([1, 1]))], [0, 1]);
  assert.deepEqual([...centre.text('photo', new Float32Array([1, 0.5]))], [1, 0]);
  assert.match(centreReading(['cat', 'dog'], [0.3, 0.2], [0.1, 0.4], 0.01), /the ranking of the labels changes/);
  assert.match(centreReading(['cat', 'dog'], [0.3, 0.2], [0.5, 0.1], 0.01), /the ranking of the labels is the same/);
});

test('a further model shown is centred by its own means, landed under its data root (issue 36)', () => {
  let state = initialState({ photo: 'cat', template: 'photo', tauIndex: 0, labels: ['cat'] }, ['cat']);
  state = reduce(state, actions.setCentred(true));
  state = reduce(state, actions.centreLoaded({ image: [1, 0], text: new Map([['photo', [0, 0.5]]]) }));
  const data = { root: 'models/l14/', image: [], text: new Map(), builtin: new Set(['cat']) };
  state = reduce(reduce(state, actions.chooseModel('l14')), actions.modelLanded('l14', data));
  assert.equal(centring(state), null);  // its means are on their way: not the default's
  state = reduce(state, actions.centreLoaded({ image: [0, 1], text: new Map([['photo', [0.5, 0]]]) }, 'models/l14/'));
  assert.deepEqual([...centring(state).image(new Float32Array([1, 1]))], [1, 0]);
  state = reduce(state, actions.chooseModel(null));  // the default again: its own means, kept
  assert.deepEqual([...centring(state).image(new Float32Array([1, 1]))], [0, 1]);
});
