// The model choice in Node (issue 36): the store's chooseModel / modelLanded / modelFailed (state/modelstate.js) and
// the link's model= (urlstate.js). Run by tests/test_modelselect.py: node --test tests/modelselect_in_node.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';

// urlstate.js reads the page's limits from the inline snapshot (ui/snapshot.js): a page of one element
globalThis.document = {
  getElementById: () => ({ textContent: JSON.stringify({ limits: { label_length: 64 }, model: {} }) }),
};
const { actions, initialState, labelState, reduce, scoredLabels } = await import('../templates/assets/state/store.js');
const { parse, serialise } = await import('../templates/assets/state/urlstate.js');

const DEFAULTS = { photo: 'cat', template: 'photo', tauIndex: 1, labels: ['cat', 'dog'] };
const MODELS = ['b32', 'l14'];  // the snapshot's ids, the default first
const OPTIONS = { defaults: DEFAULTS, photos: ['cat'], templates: ['photo'], temperatures: [0.01, 0.02],
  isLabel: (l) => l, models: MODELS };
const DATA = { image: [[1, 0, 0]], text: new Map([['photo', new Map([['cat', [1, 0, 0]], ['dog', [0, 1, 0]]])]]),
  builtin: new Set(['cat', 'dog']), dim: 3, root: 'models/l14/', record: {} };

test('model= in the link: written only for a further model, read back; the default or an unknown id gives null', () => {
  const view = { ...DEFAULTS, model: 'l14' };
  const fragment = serialise(view, OPTIONS.temperatures);
  assert.match(fragment, /(^|&)model=l14(&|$)/);
  assert.equal(parse(fragment, OPTIONS).view.model, 'l14');
  assert.deepEqual(parse(fragment, OPTIONS).notices, []);
  assert.doesNotMatch(serialise({ ...DEFAULTS, model: null }, OPTIONS.temperatures), /model=/);
  assert.equal(parse('photo=cat&model=b32', OPTIONS).view.model, null);  // the default's id: the default
  assert.equal(parse('photo=cat', OPTIONS).view.model, null);
  const bad = parse('photo=cat&model=%3Cimg%20src%3Dx%3E', OPTIONS);
  assert.equal(bad.view.model, null);
  assert.equal(bad.notices.length, 1);
  assert.doesNotMatch(bad.notices[0], /img|</);  // the link's text is never repeated
  assert.equal(parse('model=l14', { ...OPTIONS, models: undefined }).view.model, null);  // a site of one model
});

test('chooseModel: the view stays on the shown model until the chosen one lands; a landed model is kept', () => {
  const state = initialState(DEFAULTS, DEFAULTS.labels);
  assert.equal(state.model, null);
  assert.equal(reduce(state, actions.chooseModel(null)), state);  // nothing changed: the same state
  const asked = reduce(state, actions.chooseModel('l14'));
  assert.equal(asked.model, 'l14');
  assert.equal(asked.shownModel, null);  // still the default's numbers
  assert.equal(asked.modelData.get('l14').state, 'pending');
  assert.equal(state.modelData.size, 0);  // the old state is untouched
  const landed = reduce(asked, actions.modelLanded('l14', DATA, []));
  assert.equal(landed.shownModel, 'l14');
  const back = reduce(landed, actions.chooseModel(null));
  assert.equal(back.shownModel, null);
  const again = reduce(back, actions.chooseModel('l14'));
  assert.equal(again.shownModel, 'l14');  // kept: shown at once, nothing asked
  assert.equal(again.modelData.get('l14').state, 'ready');
  const late = reduce(reduce(asked, actions.chooseModel(null)), actions.modelLanded('l14', DATA, []));
  assert.equal(late.shownModel, null);  // landed after the reader went back: the default stays
});

test('a failed model: the choice goes back to the model shown, and says which failed', () => {
  const asked = reduce(initialState(DEFAULTS, DEFAULTS.labels), actions.chooseModel('l14'));
  const failed = reduce(asked, actions.modelFailed('l14', new Error('404')));
  assert.equal(failed.model, null);
  assert.equal(failed.modelFailure, 'l14');
  assert.equal(reduce(failed, actions.chooseModel('l14')).modelData.get('l14').state, 'pending');  // asked again
});

test('a restored view chooses its model; labels follow the shown model', () => {
  const state = initialState(DEFAULTS, DEFAULTS.labels);
  const restored = reduce(state, actions.restore({ ...DEFAULTS, model: 'l14', labels: ['cat', 'dog', 'kitten'],
    live: [] }));
  assert.equal(restored.model, 'l14');
  const kitten = reduce(restored, actions.labelLoaded('kitten', { vectors: new Map() }));
  const shown = reduce(kitten, actions.modelLanded('l14', DATA, []));
  assert.equal(labelState(shown, 'cat'), 'ready');
  assert.equal(labelState(shown, 'kitten'), 'pending');  // its file in l14's folder is on its way
  const got = reduce(shown, actions.modelLanded('l14', null, [['kitten', { state: 'ready', vectors: new Map() }]]));
  assert.deepEqual(scoredLabels(got), ['cat', 'dog', 'kitten']);
  const live = reduce(got, actions.addLabel('a red cat', true));
  assert.equal(labelState(live, 'a red cat'), 'waiting');  // live mode off: waits, as on the default
  const on = reduce(reduce(live, actions.liveReady()), actions.labelLoaded('a red cat', { vectors: new Map() }));
  assert.equal(labelState(on, 'a red cat'), 'elsewhere');  // embedded by the default model: none for l14
  assert.deepEqual(scoredLabels(on), ['cat', 'dog', 'kitten']);
  assert.equal(labelState(reduce(on, actions.chooseModel(null)), 'a red cat'), 'ready');  // the default scores it
});
