// The label editor: candidate rows (move, remove; a label whose file is on its way is a pending row, one
// whose fetch failed has a Retry button) and the status line. It changes the labels only through the
// store's actions. The add-label combobox's code (addlabel.js) and the vocabulary's names load on the
// first keystroke; the combobox dispatches addLabel itself (handed the store, the status line and live mode's
// start), and the status line says what each addLabel and labelsLanded did (said, a subscriber).
import { $, actionButton, cell, percent, quoted, rowHeader } from '../ui/dom.js';
import { fillLive } from '../rules/sentences.js';
import { labelState } from '../state/store.js';
import { templateEcho } from './templateecho.js';

const status = (text, ...extra) => $('add-label-status').replaceChildren(text, ...extra);
const arrive = (n) => (n > 1 ? 'they arrive' : 'it arrives');
const adding = (label) => `Adding ${quoted(label)}… (left out of the numbers until it arrives)`;
// a row without numbers, by its state (elsewhere: the model on screen has no vector for it, modelstate.js): a live
// text is the default model's alone; a vocabulary label is outside a further model's shorter vocabulary (its own
// label-names.json, settings.yaml's `vocabulary: N`), said with the model's name
const NOTES = { pending: 'loading…', waiting: 'needs live mode', elsewhere: 'not in this model (the default’s alone)' };
const noteOf = (view, state, isLive) => (state === 'elsewhere' && !isLive ? `not in ${view.model.shown.name}’s `
  + 'vocabulary' : NOTES[state] ?? 'could not load ');

function setProbability(td, p) {
  td.lastChild.nodeValue = percent(p);
  td.firstChild.style.width = percent(p);  // CSSOM, allowed by the CSP
}

/** A live label's templates still being embedded (in the background), by their short names. */
function stillComing(view, coming) {
  const names = view.snap.templates.filter((t) => coming.includes(t.id)).map((t) => t.short ?? t.id);
  const tag = cell('span', `still embedding: ${names.join(', ')}`, 'tag');
  tag.dataset.testid = 'templates-coming';
  return tag;
}

/** The editor of the store's labels; act: the store's actions, bound. */
export function labelEditor(store, act) {
  const input = $('add-label-input');
  let shown = null;     // the rows in the table: labels, their states and the scored view
  let box = null;       // addlabel.js, imported on the first keystroke or submit
  let startLive = () => Promise.resolve(false);  // page.js hands over live mode's start

  const loadBox = async () => {
    if (!box) {
      box = await import('./addlabel.js');
      box.init({ store, status, startLive: () => startLive() });
    }
    return box;
  };
  input.addEventListener('input', async () => (await loadBox()).typed());
  input.addEventListener('keydown', (event) => box?.keydown(event));  // nothing to pick before the first keystroke
  input.addEventListener('blur', () => setTimeout(() => box?.close(), 150));  // a click on an option lands first
  $('add-label-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    (await loadBox()).submit();
  });

  const pendingIn = (state, filter = () => true) =>
    state.labels.filter((label) => labelState(state, label) === 'pending' && filter(label)).length;

  function pendingNote() {
    const n = pendingIn(store.getState());
    if (!n) return '';
    return ` ${n} label${n > 1 ? 's' : ''} still loading ${n > 1 ? 'are' : 'is'} left out of the numbers until `
      + `${arrive(n)}.`;
  }

  /** For a link's labels (not added here): how many are on their way, left out of the numbers meanwhile. */
  function linkStatus() {
    const state = store.getState();
    const n = pendingIn(state, (label) => !state.info.get(label)?.mine);
    status(n ? `Loading the link's labels: ${n} still on ${n > 1 ? 'their' : 'its'} way, left out of the numbers `
      + `until ${arrive(n)}.` : '');
  }

  function move(i, step) {
    act.moveLabel(i, step);
    // keep the focus on the moved label
    const [up, down] = $('label-rows').rows[i + step].querySelectorAll('.row-actions button');
    (step < 0 && !up.disabled) || down.disabled ? up.focus() : down.focus();
  }

  function remove(label) {
    act.removeLabel(label);  // a pending fetch is aborted
    status(`Removed ${quoted(label)}.${pendingNote()}`);
    input.focus();
  }

  function retry(label) {
    act.retryLabel(label);
    status(adding(label));
  }

  /** What an action did to the labels, in the status line: a label added (by the box or a link's
   * data-add-labels) is on its way or here; labels landed ('ready'), failed, or not in the vocabulary ('missing':
   * the notice says so for a link's label, the status for one added here). */
  function said(state, previous, action) {
    if (action.type === 'addLabel') {
      const now = labelState(state, action.label);
      if (now === 'pending') status(adding(action.label));
      else if (now === 'ready') status(`Added ${quoted(action.label)}.${pendingNote()}`);
    }
    if (action.type !== 'labelsLanded') return;
    for (const { label } of action.landings) {
      const before = previous.info.get(label);
      const now = state.info.get(label);
      if (before?.state !== 'pending' || now === before) continue;  // cancelled meanwhile
      const { mine } = before;
      if (now.state === 'ready' && mine) status(`Added ${quoted(label)}.${pendingNote()}`);
      else if (now.state === 'failed') {
        status(`Could not load ${quoted(label)} (${now.error?.message}); it is left out of the numbers.`);
      }
      else if (now.state === 'missing' && mine) status(`${quoted(label)} is not in the vocabulary.`);
      if (!mine && $('add-label-status').textContent.startsWith('Loading the link')) linkStatus();
    }
  }

  /** A live text's row shows the exact sentence the model read (rules/sentences.js fillLive fills it). One that
   * starts like a template is wrapped in the chosen one once more: the row says so and offers the bare {label}
   * template (when the page has one). */
  function echoNote(view, label) {
    const texts = view.snap.templates.filter((t) => !t.ensemble).map((t) => t.text);
    const echo = templateEcho(view.template.text, label, texts);
    if (!echo) {
      const read = view.template.ensemble ? `the mean of the ensemble's sentences, each filled as “${
        fillLive('a photo of a {label}.', label)}”` : `“${fillLive(view.template.text, label)}”`;
      const note = cell('span', `embedded: ${read}`, 'row-prompt');
      note.dataset.testid = 'live-prompt';
      return [' ', note];
    }
    const note = cell('span', `Starts like a template already (“${echo.head}”); the model reads “${echo.prompt}” `,
      'row-echo');
    const bare = view.snap.templates.find((t) => t.text === '{label}');
    const useBare = () => act.chooseTemplate(bare.id);
    if (bare) note.append(actionButton('Use {label}', 'Use the template {label} alone', false, useBare));
    return [' ', note];
  }

  /** The i-th candidate's row; j: its index among the scored labels (ready rows only). */
  function row(view, { label, state, templatesReady, coming }, i, j) {
    const tr = document.createElement('tr');
    tr.dataset.testid = 'label-row';
    tr.dataset.label = label;
    tr.dataset.state = state;
    tr.dataset.templatesReady = String(templatesReady);  // how many templates have its vector
    const actions = document.createElement('td');
    actions.className = 'row-actions';
    const last = view.entries.length - 1;
    actions.append(
      actionButton('↑', `Move ${label} up`, i === 0, () => move(i, -1)),
      actionButton('↓', `Move ${label} down`, i === last, () => move(i, 1)),
      actionButton('×', `Remove ${label}`, last === 0, () => remove(label)),
    );
    const isLive = store.getState().live.includes(label);
    const { ms } = store.getState().info.get(label) ?? {};  // a live label's embedding time
    if (isLive) tr.dataset.live = 'true';
    if (state !== 'ready') {  // no numbers yet: the label is left out of every figure
      const live = isLive && state === 'pending' && coming.includes(view.template.id);
      const text = live ? 'embedding under this template…' : noteOf(view, state, isLive);
      const note = cell('td', text, 'row-note');
      note.colSpan = 2;
      if (state === 'failed') note.append(actionButton('Retry', `Retry loading ${label}`, false, () => retry(label)));
      tr.append(rowHeader(label), note, actions);
      if (isLive) tr.cells[0].append(...echoNote(view, label));
      return tr;
    }
    tr.dataset.sim = String(view.sims[j]);  // full precision, for outside checks
    tr.dataset.prob = String(view.probs[j]);
    const prob = cell('td', '', 'num');
    const bar = document.createElement('span');
    bar.className = 'prob-bar';
    bar.setAttribute('aria-hidden', 'true');
    prob.append(bar, '');
    setProbability(prob, view.probs[j]);
    const header = rowHeader(label);
    if (isLive && ms !== undefined) header.append(' ', cell('span', `live · ${Math.round(ms)} ms`, 'tag'));
    if (coming.length) header.append(' ', stillComing(view, coming));
    if (isLive) header.append(...echoNote(view, label));
    tr.append(header, cell('td', view.sims[j].toFixed(4), 'num'), prob, actions);
    return tr;
  }

  function update(view) {
    const key = `${view.scored}\n${view.entries.map((e) => `${e.label}\t${e.state}\t${e.templatesReady}`).join('\n')}`;
    if (key === shown) {  // only the temperature changed: the similarities stand
      const ready = $('label-rows').querySelectorAll('tr[data-state=ready]');
      view.probs.forEach((p, j) => {
        ready[j].dataset.prob = String(p);
        setProbability(ready[j].cells[2], p);
      });
      return;
    }
    shown = key;
    const { info } = store.getState();
    const linkPending = view.entries.some(({ label, state }) => state === 'pending' && !info.get(label)?.mine);
    if (!$('add-label-status').textContent && linkPending) linkStatus();
    let j = 0;
    $('label-rows').replaceChildren(...view.entries.map((entry, i) => row(view, entry, i,
      entry.state === 'ready' ? j++ : -1)));
  }

  return { update, said, onStartLive: (start) => { startLive = start; } };
}
