// Inside the towers in Node (issue 33): the store's actions for the layer, head and view, their link (urlstate.js),
// and the figures' rules (rules/towers.js). Run by tests/test_towers.py: node --test tests/towers_in_node.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { similarities, softmax } from '../templates/assets/rules/clipmath.js';
import {
  attentionRow, attentionView, lensRows, lensSummary, textAttentionView,
} from '../templates/assets/rules/towers.js';

// urlstate.js reads the page's limits from the inline snapshot (ui/snapshot.js): a page of one element
globalThis.document = {
  getElementById: () => ({ textContent: JSON.stringify({ limits: { label_length: 64 }, model: {} }) }),
};
const { actions, initialState, reduce } = await import('../templates/assets/state/store.js');
const { parse, serialise } = await import('../templates/assets/state/urlstate.js');

const DEFAULTS = { photo: 'cat', template: 'photo', tauIndex: 1, labels: ['cat', 'dog'] };
const OPTIONS = { defaults: DEFAULTS, photos: ['cat'], templates: ['photo'], temperatures: [0.01, 0.02],
  isLabel: (l) => l, towers: { layers: 12, heads: 12, text_layers: 12 } };

test('layer, head and view: named actions, the same state when nothing changes, restored from a view', () => {
  const state = initialState(DEFAULTS, DEFAULTS.labels);
  assert.deepEqual(state.towers, { layer: null, head: 'mean', view: 'attention', textLayer: null });
  assert.equal(reduce(state, actions.chooseHead('mean')), state);
  let next = reduce(state, actions.chooseLayer(3));
  next = reduce(next, actions.chooseHead(2));
  next = reduce(next, actions.chooseAttentionView('rollout'));
  next = reduce(next, actions.chooseTextLayer(5));
  assert.deepEqual(next.towers, { layer: 3, head: 2, view: 'rollout', textLayer: 5 });
  assert.deepEqual(state.towers.layer, null);  // the old state is untouched
  const restored = reduce(next, actions.restore({ ...DEFAULTS }));
  assert.deepEqual(restored.towers, state.towers);
});

test('the link keeps them, and a bad one falls back with a notice', () => {
  const view = { ...DEFAULTS, towers: { layer: 3, head: 2, view: 'rollout', textLayer: 5 } };
  const fragment = serialise(view, OPTIONS.temperatures);
  assert.match(fragment, /layer=3&head=2&attention=rollout&text-layer=5/);
  assert.deepEqual(parse(fragment, OPTIONS).view.towers, view.towers);
  assert.doesNotMatch(serialise({ ...DEFAULTS }, OPTIONS.temperatures), /layer|head|attention/);
  const bad = parse('layer=13&head=0&attention=x&text-layer=1.5', OPTIONS);
  assert.deepEqual(bad.view.towers, { layer: null, head: 'mean', view: 'attention', textLayer: null });
  assert.equal(bad.notices.length, 4);
});

// two layers of two heads over 1 + 2 x 2 tokens
const attention = Float32Array.from([
  0.2, 0.2, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.6,
  0.5, 0.1, 0.1, 0.1, 0.2, 0.3, 0.3, 0.2, 0.1, 0.1]);
const rollout = Float32Array.from([0.6, 0.1, 0.1, 0.1, 0.1, 0.4, 0.2, 0.2, 0.1, 0.1]);
const data = { attention, rollout, heads: 2, tokens: 5 };

test('the attention rules: one head, the mean of the heads, the rollout; the map and its words', () => {
  assert.deepEqual(attentionRow(data, 2, 1, 'attention'), Array.from(attention.slice(10, 15)));
  const mean = attentionRow(data, 1, 'mean', 'attention');
  mean.forEach((v, t) => assert.ok(Math.abs(v - (attention[t] + attention[5 + t]) / 2) < 1e-7));
  assert.deepEqual(attentionRow(data, 2, 1, 'rollout'), Array.from(rollout.slice(5, 10)));
  const map = attentionView(data, 2, 1, 2, 'attention', 2);
  assert.deepEqual(map.cells.map((c) => [c.row, c.col]), [[0, 0], [0, 1], [1, 0], [1, 1]]);
  assert.deepEqual([map.top.row, map.top.col], [1, 1]);
  assert.equal(map.cells[3].cover, '0.000');  // the most-read patch is clear
  assert.match(map.summary, /^At layer 1 of 2, head 2, the class token gives 90\.0% of its attention to the 4 patches/);
  assert.match(attentionView(data, 2, 2, 'mean', 'rollout', 2).summary, /^Rolled out through layers 1 to 2 of 2/);
});

test('the lens: clipmath.js softmax of the cosines per layer; the summary says when the top label led', () => {
  const lens = [[1, 0], [0.6, 0.8], [0, 1]];
  const texts = [[1, 0], [0, 1]];
  const rows = lensRows(lens, texts, ['a', 'b'], 0.5);
  assert.equal(rows.length, 6);
  const last = rows.filter((r) => r.layer === 3);
  assert.deepEqual(last.map((r) => r.prob), softmax(similarities(lens[2], texts), 0.5));
  assert.match(lensSummary(rows, 3), /“b” leads with .*; it has led since layer 2 of 3; before that “a” led\./);
});

test('the text side: the end token\'s row has the values, the rest of the square is masked above the diagonal', () => {
  const rows = Float32Array.from([0.5, 0.3, 0.2, 0.1, 0.1, 0.8]);  // two layers, three tokens
  const view = textAttentionView(rows, 3, 2, ['<|startoftext|>', 'cat</w>', '<|endoftext|>'], 'cat', 2);
  assert.deepEqual(view.names, ['start', 'cat', 'end']);
  assert.deepEqual(view.cells.filter((c) => c.kind === 'value').map((c) => [c.from, c.to]), [[2, 0], [2, 1], [2, 2]]);
  assert.equal(view.cells.filter((c) => c.kind === 'masked').length, 3);
  assert.match(view.summary, /gives the most attention, 80\.0%, to itself/);
});
