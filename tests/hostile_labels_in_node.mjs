// Hostile labels in the client (issue 30): what a link's label= and live= and a typed label lose or are refused for.
// Run by tests/test_hostile_inputs.py: node --test tests/hostile_labels_in_node.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';

// urlstate.js reads the page's limits from the inline snapshot (ui/snapshot.js): a page of one element
globalThis.document = {
  getElementById: () => ({
    textContent: JSON.stringify({ limits: { label_length: 64 }, model: { context_length: 77 } }),
  }),
};
const { cleanLabel, reservedLabel } = await import('../templates/assets/state/store.js');
const { parse } = await import('../templates/assets/state/urlstate.js');

const VOCABULARY = new Map(['cat', 'dog', 'tabby cat'].map((name) => [name.toLowerCase(), name]));
const OPTIONS = {
  photos: ['cat'], templates: ['photo'], temperatures: [0.001, 0.01, 0.1],
  defaults: { photo: 'cat', template: 'photo', tauIndex: 1, labels: ['cat', 'dog'] },
  isLabel: (label) => VOCABULARY.get(label.toLowerCase()) ?? false,
};
const read = (fragment) => parse(fragment, OPTIONS);

test('invisible characters leave a label; controls become spaces', () => {
  for (const [raw, clean] of [['c\u200Bat', 'cat'], ['\u202Ecat', 'cat'], ['dog\u2066\u2069', 'dog'],
    ['\uFEFFcat', 'cat'], ['c\u00ADa\u2060t', 'cat'], ['tabby\u0000cat', 'tabby cat'], ['tabby\u2028cat', 'tabby cat'],
    ['\u200E\u200F', ''], ['\u0000\u0000', ''], ['\u0001\u001F\u007F\u0085', '']]) {
    assert.equal(cleanLabel(raw), clean, JSON.stringify(raw));
  }
});

test('a live= label with bidi controls is cleaned: its row reads as typed', () => {
  const { view } = read(`live=${encodeURIComponent('\u202Edrow a')}&label=cat`);
  assert.deepEqual(view.labels, ['drow a', 'cat']);
  assert.deepEqual(view.live, ['drow a']);
  assert.ok(!view.labels.some((label) => /[\u202A-\u202E\u2066-\u2069\u200B-\u200F]/.test(label)));
});

test('a zero-width twin in a link is the label itself, and a repeat of it', () => {
  const { view, notices } = read(`label=cat&label=${encodeURIComponent('c\u200Bat')}`);
  assert.deepEqual(view.labels, ['cat']);
  assert.ok(notices.some((n) => n.includes('repeat')), notices.join(' | '));
});

test('labels of only NULs, controls or invisible characters are left out with a notice', () => {
  for (const junk of ['%00', '%00%00%00', encodeURIComponent('\u202E\u2066'), encodeURIComponent('\u0007\u200B')]) {
    for (const key of ['live', 'label']) {
      const { view, notices } = read(`${key}=${junk}&label=dog`);
      assert.deepEqual(view.labels, ['dog'], `${key}=${junk}`);
      assert.ok(notices.some((n) => n.includes('nothing visible')), `${key}=${junk}: ${notices.join(' | ')}`);
    }
  }
  const { view, notices } = read('live=%00');
  assert.deepEqual(view.labels, OPTIONS.defaults.labels);  // nothing usable: the defaults, said so
  assert.ok(notices.some((n) => n.includes('No usable labels')));
});

test('an object member name is no label: refused from a link, and reservedLabel says so for typing', () => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    assert.equal(reservedLabel(name), true, name);
    const { view, notices } = read(`live=${name}&label=cat`);
    assert.deepEqual(view.labels, ['cat'], name);
    assert.deepEqual(view.live, [], name);
    assert.ok(notices.some((n) => n.includes('constructor')), notices.join(' | '));
  }
  for (const name of ['cat', 'Constructor', 'proto', 'to string']) assert.equal(reservedLabel(name), false, name);
});
