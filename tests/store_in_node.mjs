// The page's store (templates/assets/state/store.js) in Node: each action's new state, and that no action changes
// the state it is given. Run by tests/test_store.py: node --test tests/store_in_node.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  actions, createStore, initialState, labelState, nextOwnPhotoId, reduce, scoredLabels, templatesComing, templatesReady,
} from '../templates/assets/state/store.js';

const DEFAULTS = { photo: 'cat', template: 'photo', tauIndex: 3, labels: ['cat', 'dog', 'car'] };
const fresh = () => initialState(DEFAULTS, DEFAULTS.labels);

/** The state as plain data (Maps and Sets as entries), to see that an action left its input alone. */
const plain = (state) => JSON.stringify(state, (key, value) => (value instanceof Map || value instanceof Set
  ? [...value.entries()] : value));

/** reduce, checking that the state it was given is unchanged. */
function run(state, ...list) {
  for (const action of list) {
    const before = plain(state);
    const next = reduce(state, action);
    assert.equal(plain(state), before, `${action.type} changed the state it was given`);
    state = next;
  }
  return state;
}

test('the first state is the default view', () => {
  const state = fresh();
  assert.deepEqual([state.photo, state.template, state.tauIndex, state.labels], ['cat', 'photo', 3, DEFAULTS.labels]);
  assert.notEqual(state.labels, DEFAULTS.labels);
  assert.deepEqual(scoredLabels(state), DEFAULTS.labels);
  assert.equal(labelState(state, 'cat'), 'ready');
  assert.equal(labelState(state, 'zebra'), undefined);
});

test('photo, template, temperature and measure: a new state, the same one when nothing changes', () => {
  const state = fresh();
  assert.equal(reduce(state, actions.choosePhoto('cat')), state);
  assert.equal(reduce(state, actions.setTemperature(3)), state);
  const next = run(state, actions.choosePhoto('coffee'), actions.chooseTemplate('itap'), actions.setTemperature(5),
    actions.setMeasure('probability'));
  assert.deepEqual([next.photo, next.template, next.tauIndex, next.measure], ['coffee', 'itap', 5, 'probability']);
  assert.throws(() => reduce(state, { type: 'nonsense' }), /no such action/);
});

test('a vocabulary label added is pending until its file lands; the landing makes it ready', () => {
  let state = run(fresh(), actions.addLabel('zebra'));
  assert.deepEqual(state.labels, [...DEFAULTS.labels, 'zebra']);
  assert.deepEqual(state.info.get('zebra'), { state: 'pending', mine: true });
  assert.deepEqual(scoredLabels(state), DEFAULTS.labels);  // left out of the numbers meanwhile
  assert.equal(reduce(state, actions.addLabel('zebra')), state);  // already a candidate
  const record = { vectors: new Map([['photo', [1, 0]]]) };
  state = run(state, actions.labelLoaded('zebra', record));
  assert.equal(labelState(state, 'zebra'), 'ready');
  assert.equal(state.info.get('zebra').record, record);
  assert.deepEqual(scoredLabels(state), [...DEFAULTS.labels, 'zebra']);
});

test('a removed pending label is forgotten (its fetch cancelled); its late landing changes nothing', () => {
  let state = run(fresh(), actions.addLabel('zebra'), actions.removeLabel('zebra'));
  assert.deepEqual(state.labels, DEFAULTS.labels);
  assert.equal(state.info.has('zebra'), false);
  state = run(state, actions.labelLoaded('zebra', { vectors: new Map() }));
  assert.equal(labelState(state, 'zebra'), undefined);
  state = run(state, actions.addLabel('zebra'), actions.labelLoaded('zebra', { vectors: new Map() }),
    actions.removeLabel('zebra'));
  assert.equal(labelState(state, 'zebra'), 'ready');  // a ready one keeps its vectors: adding it again fetches nothing
  const one = run(fresh(), actions.removeLabel('dog'), actions.removeLabel('car'));
  assert.equal(reduce(one, actions.removeLabel('cat')), one);  // the last label stays
});

test('move swaps neighbours; a move past either end changes nothing', () => {
  const state = fresh();
  assert.deepEqual(run(state, actions.moveLabel(0, 1)).labels, ['dog', 'cat', 'car']);
  assert.deepEqual(run(state, actions.moveLabel(2, -1)).labels, ['cat', 'car', 'dog']);
  assert.equal(reduce(state, actions.moveLabel(0, -1)), state);
  assert.equal(reduce(state, actions.moveLabel(2, 1)), state);
});

test('a failed label waits for its Retry; not in the vocabulary, it leaves the view', () => {
  let state = run(fresh(), actions.addLabel('zebra'), actions.labelFailed('zebra', new Error('503')));
  assert.equal(labelState(state, 'zebra'), 'failed');
  assert.equal(state.info.get('zebra').error.message, '503');
  assert.equal(reduce(state, actions.retryLabel('cat')), state);  // only a failed label is retried
  state = run(state, actions.retryLabel('zebra'));
  assert.deepEqual(state.info.get('zebra'), { state: 'pending', mine: true });
  // a link's label (not added here) that is missing: out of the view, and the notice counts it
  state = run(state, actions.restore({ ...DEFAULTS, labels: ['cat', 'qwxz'] }, ['a line']));
  assert.deepEqual(state.info.get('qwxz'), { state: 'pending', mine: false });
  state = run(state, actions.labelsLanded([{ label: 'qwxz', outcome: 'missing' }]));
  assert.deepEqual([state.labels, state.leftOut, state.notices], [['cat'], ['qwxz'], ['a line']]);
  // one the reader added: out of the view, said in the status line (not the notice)
  state = run(state, actions.addLabel('blorp'), actions.labelsLanded([{ label: 'blorp', outcome: 'missing' }]));
  assert.deepEqual([state.labels, state.leftOut], [['cat'], ['qwxz']]);
});

test('a link whose labels are all missing shows the default labels', () => {
  let state = run(fresh(), actions.restore({ ...DEFAULTS, labels: ['qwxz', 'blorp'] }));
  assert.deepEqual(scoredLabels(state), []);
  state = run(state, actions.labelsLanded(['qwxz', 'blorp'].map((label) => ({ label, outcome: 'missing' }))));
  assert.deepEqual(state.labels, DEFAULTS.labels);
  assert.deepEqual(state.leftOut, ['qwxz', 'blorp']);
});

test('live texts wait for live mode, are pending once it is on, and a live label keeps its time', () => {
  let state = run(fresh(), actions.restore({ ...DEFAULTS, labels: ['cat', 'a red cat'], live: ['a red cat'] }));
  assert.equal(labelState(state, 'a red cat'), 'waiting');
  state = run(state, actions.startLive());
  assert.equal(state.liveMode, 'starting');
  assert.equal(run(state, actions.liveFailed()).liveMode, 'off');
  state = run(state, actions.liveReady());
  assert.equal(state.liveMode, 'on');
  assert.equal(labelState(state, 'a red cat'), 'pending');
  state = run(state, actions.addLabel('tarantula eating sushi', true),
    actions.labelLoaded('a red cat', { vectors: new Map() }, 12.5));
  assert.deepEqual(state.live, ['a red cat', 'tarantula eating sushi']);
  assert.equal(labelState(state, 'tarantula eating sushi'), 'pending');  // on: embedded at once
  assert.equal(state.info.get('a red cat').ms, 12.5);
  assert.deepEqual(run(state, actions.removeLabel('a red cat')).live, ['tarantula eating sushi']);
});

test('a live label lands under the template on screen first; the others follow, and it is pending under them', () => {
  const label = 'tarantula eating sushi';
  let state = run(fresh(), actions.liveReady(), actions.addLabel(label, true));
  assert.equal(templatesReady(state, label), 0);
  const first = { vectors: new Map([['photo', [1, 0]]]), tokens: [1] };
  const landing = { label, outcome: 'ready', record: first, ms: 9, coming: ['itap', 'ensemble'] };
  state = run(state, actions.labelsLanded([landing]));
  assert.equal(labelState(state, label), 'ready');  // scored under 'photo' at once
  assert.deepEqual(scoredLabels(state), [...DEFAULTS.labels, label]);
  assert.equal(templatesReady(state, label), 1);
  assert.equal(templatesReady(state, 'cat'), null);  // the snapshot's: every template
  assert.deepEqual(templatesComing(state, label), ['itap', 'ensemble']);
  // switching to a template still coming: pending, left out of the numbers (never a wrong number)
  const itap = run(state, actions.chooseTemplate('itap'));
  assert.equal(labelState(itap, label), 'pending');
  assert.deepEqual(scoredLabels(itap), DEFAULTS.labels);
  // the background vectors join the record; a new record, the first one untouched
  state = run(itap, actions.liveTemplatesLanded(label, [['itap', [0, 1]]]));
  assert.equal(labelState(state, label), 'ready');
  assert.equal(templatesReady(state, label), 2);
  assert.deepEqual(templatesComing(state, label), ['ensemble']);
  assert.equal(first.vectors.size, 1);
  assert.deepEqual(state.info.get(label).record.tokens, [1]);
  state = run(state, actions.liveTemplatesLanded(label, [['ensemble', [1, 1]]]));
  assert.equal(templatesReady(state, label), 3);
  assert.deepEqual(templatesComing(state, label), []);
  assert.equal('coming' in state.info.get(label), false);
  assert.equal(labelState(run(state, actions.chooseTemplate('ensemble')), label), 'ready');
  // complete, it is kept when removed (added again, it is scored at once)
  assert.equal(run(state, actions.removeLabel(label)).info.has(label), true);
});

test('a live label removed while templates are coming is forgotten; a background failure fails the label', () => {
  const label = 'a red cat';
  let state = run(fresh(), actions.liveReady(), actions.addLabel(label, true));
  const record = { vectors: new Map([['photo', [1, 0]]]) };
  state = run(state, actions.labelsLanded([{ label, outcome: 'ready', record, ms: 9, coming: ['itap'] }]));
  const removed = run(state, actions.removeLabel(label));
  assert.equal(removed.info.has(label), false);
  assert.equal(reduce(removed, actions.liveTemplatesLanded(label, [['itap', [0, 1]]])), removed);  // too late
  const failed = run(state, actions.liveTemplatesFailed(label, new Error('out of memory')));
  assert.equal(labelState(failed, label), 'failed');
  assert.equal(failed.info.get(label).error.message, 'out of memory');
  assert.equal(labelState(run(failed, actions.retryLabel(label)), label), 'pending');  // its Retry embeds it again
});

test("the reader's photo: a new id each time, one at a time, chosen; the snapshot's are not touched", () => {
  let state = fresh();
  const first = { id: nextOwnPhotoId(state), own: true };
  assert.equal(first.id, 'own:1');
  state = run(state, actions.addOwnPhoto(first, [0, 1]));
  assert.deepEqual([state.photo, state.ownPhotos.length, state.ownPhotos[0].vector], ['own:1', 1, [0, 1]]);
  state = run(state, actions.addOwnPhoto({ id: nextOwnPhotoId(state), own: true }, [1, 0]));
  assert.deepEqual([state.photo, state.ownPhotos.map((own) => own.photo.id)], ['own:2', ['own:2']]);
});

test("the reader's photo's occlusion map: its progress, then its vectors; a replaced photo's are dropped", () => {
  let state = run(fresh(), actions.addOwnPhoto({ id: 'own:1', own: true }, [0, 1]));
  state = run(state, actions.ownOcclusion('own:1', { done: 7, total: 49 }));
  assert.deepEqual(state.ownPhotos[0].occlusion, { done: 7, total: 49 });
  assert.deepEqual(state.ownPhotos[0].vector, [0, 1]);  // the photo and its vector stay as they were
  state = run(state, actions.addOwnPhoto({ id: 'own:2', own: true }, [1, 0]));
  const before = state;
  assert.equal(run(state, actions.ownOcclusion('own:1', { done: 49, total: 49, vectors: [] })), before);
  state = run(state, actions.ownOcclusion('own:2', { done: 49, total: 49, vectors: [[1, 0]] }));
  assert.deepEqual(state.ownPhotos[0].occlusion.vectors, [[1, 0]]);
});

test('restore takes the view a link or Back / Forward describes, and its notices', () => {
  let state = run(fresh(), actions.addLabel('zebra'), actions.labelsLanded([{ label: 'qwxz', outcome: 'missing' }]));
  state = run(state, actions.restore({ photo: 'coffee', template: 'itap', tauIndex: 0, labels: ['dog', 'zebra'] },
    ['n']));
  const { photo, template, tauIndex, labels, live, notices, leftOut } = state;
  assert.deepEqual([photo, template, tauIndex, labels, live, notices, leftOut],
    ['coffee', 'itap', 0, ['dog', 'zebra'], [], ['n'], []]);
  assert.equal(labelState(state, 'zebra'), 'pending');  // still on its way: not asked for twice
});

test('figures and names: loaded data is state too', () => {
  let state = run(fresh(), actions.figuresLoading());
  assert.equal(state.figures.state, 'pending');
  state = run(state, actions.figuresLoaded({ photo: {} }, [{ x: 1 }]));
  assert.deepEqual(state.figures, { state: 'loaded', crowding: { photo: {} }, cloud: [{ x: 1 }] });
  assert.equal(run(state, actions.figuresFailed()).figures.state, 'failed');
  assert.equal(run(state, actions.namesLoaded({ list: ['cat'] })).names.list[0], 'cat');
});

test('the store: subscribers hear (state, previous, action) after each change, and only then', () => {
  const store = createStore(fresh());
  const heard = [];
  store.subscribe((state, previous, action) => heard.push([state.photo, previous.photo, action.type]));
  store.dispatch(actions.choosePhoto('coffee'));
  store.dispatch(actions.choosePhoto('coffee'));  // no change: nobody hears
  assert.deepEqual(heard, [['coffee', 'cat', 'choosePhoto']]);
  assert.equal(store.getState().photo, 'coffee');
});

test('hoverLabel: the hovered label is state of its own, the view untouched; the same state when unchanged', () => {
  const state = fresh();
  assert.equal(state.hovered, null);
  const next = run(state, actions.hoverLabel('dog'));
  assert.equal(next.hovered, 'dog');
  assert.equal(next.labels, state.labels);
  assert.equal(reduce(next, actions.hoverLabel('dog')), next);
  assert.equal(run(next, actions.hoverLabel(null)).hovered, null);
});

test('restore takes the "why" figures\' labels from the view, and none when the view has none', () => {
  let state = run(fresh(), actions.chooseWhyLabel('dog'), actions.chooseRival('cat'));
  state = run(state, actions.restore({ ...DEFAULTS, why: { label: 'cat', rival: 'dog' } }));
  assert.deepEqual(state.why, { label: 'cat', rival: 'dog' });
  state = run(state, actions.restore({ ...DEFAULTS }));
  assert.deepEqual(state.why, { label: null, rival: null });
});
