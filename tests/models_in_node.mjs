// "Models compared" (templates/assets/rules/models.js: modelsView, parameterText) in Node.
// Run by tests/test_models.py: node --test tests/models_in_node.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelsView, parameterText } from '../templates/assets/rules/models.js';

const sizes = (id, dim, grid) => ({ id, name: id, dim, grid, patch_size: 224 / grid, image_size: 224,
  parameters: { vision: 1000, text: 2000, total: 3001 }, embed_ms: 2.5 });
const LABELS = ['cat', 'dog', 'fox'];

test('each model is scored from its own vectors: the softmax of its cosines at the one temperature', () => {
  const image = [0.6, 0.8, 0];
  const texts = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const view = modelsView([{ ...sizes('a', 3, 7), cosines: [0.3, 0.1, 0.2] },
    { ...sizes('b', 3, 16), image, texts }], LABELS, 0.1);
  const [a, b] = view.columns;
  assert.deepEqual(b.cells.map((c) => c.cosine), [0.6, 0.8, 0]);
  const e = [0.3, 0.1, 0.2].map((s) => Math.exp((s - 0.3) / 0.1));
  a.cells.forEach((c, i) => assert.ok(Math.abs(c.prob - e[i] / (e[0] + e[1] + e[2])) < 1e-15));
  assert.equal(a.top, 'cat');
  assert.equal(b.top, 'dog');
  assert.ok(Math.abs(b.spread - 0.8) < 1e-15);
  assert.match(view.verdict, /^The models disagree: a puts “cat” first \(\d+\.\d%\); b puts “dog” first/);
  assert.deepEqual(view.rows.map((row) => row.cells.map((c) => c.top)), [[true, false], [false, true], [false, false]]);
  assert.equal(a.sizes.grid, '7 × 7');
});

test('models that agree say so; a model without numbers is shown as missing, not compared', () => {
  const same = modelsView([{ ...sizes('a', 3, 7), cosines: [0.3, 0.1, 0.2] },
    { ...sizes('b', 3, 7), cosines: [0.5, 0.1, 0.2] }], LABELS, 0.01);
  assert.match(same.verdict, /^The models agree on the top label: each puts “cat” first/);
  const one = modelsView([{ ...sizes('a', 3, 7), cosines: [0.3, 0.1, 0.2] },
    { ...sizes('b', 3, 7), missing: 'loading…' }], LABELS, 0.01);
  assert.equal(one.columns[1].missing, 'loading…');
  assert.ok(one.rows.every((row) => row.cells[1].missing === true));
  assert.match(one.verdict, /^Only one model/);
});

test('parameter counts read as k, M and B', () => {
  assert.equal(parameterText(87849), '87.8 k');
  assert.equal(parameterText(3632769), '3.6 M');
  assert.equal(parameterText(151277313), '151.3 M');
  assert.equal(parameterText(427616513), '427.6 M');
  assert.equal(parameterText(2.5e9), '2.50 B');
});
