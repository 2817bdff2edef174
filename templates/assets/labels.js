// The label editor: candidate rows (move, remove; a label whose file is on its way is a pending row, one
// whose fetch failed has a Retry button). The add-label combobox's code (addlabel.js) and the vocabulary's
// names load on the first keystroke.
import { labelState, live } from './data.js';
import { $, actionButton, cell, percent, rowHeader } from './dom.js';

const input = $('add-label-input');
let editor = null;   // { state, commit(kind), actions: { retryLabel, cancelLabel, startLive } }
let shown = null;    // the rows in the table: labels, their states and the scored view
const adding = new Set();  // labels added here whose files are on their way: "Added" once they land

let box = null;  // addlabel.js: the combobox's code, imported on the first keystroke or submit
const loadBox = async () => {
  if (!box) {
    box = await import('./addlabel.js');
    box.init(() => editor.state.labels);
  }
  return box;
};

export function init(context) {
  editor = context;
  input.addEventListener('input', async () => (await loadBox()).typed());
  input.addEventListener('keydown', (event) => box?.keydown(event));  // nothing to pick before the first keystroke
  input.addEventListener('blur', () => setTimeout(() => box?.close(), 150));  // a click on an option lands first
  $('add-label-form').addEventListener('submit', async (event) => { event.preventDefault(); (await loadBox()).submit(); });
}

export function status(text, ...extra) {
  $('add-label-status').replaceChildren(text, ...extra);
}

export const quoted = (text) => `“${text.length > 64 ? `${text.slice(0, 64)}…` : text}”`;

function pendingNote() {
  const n = editor.state.labels.filter((label) => labelState(label) === 'pending').length;
  return n ? ` ${n} label${n > 1 ? 's' : ''} still loading ${n > 1 ? 'are' : 'is'} left out of the numbers until ${n > 1 ? 'they arrive' : 'it arrives'}.` : '';
}

/** A label's file landed ('ready'), failed, or is not in the vocabulary ('missing': notInLink() says so
 * for a label of a link; the status for one added here). */
export function landed(label, outcome, error, notInLink) {
  const mine = adding.delete(label);
  if (outcome === 'ready' && mine) status(`Added ${quoted(label)}.${pendingNote()}`);
  else if (outcome === 'failed') status(`Could not load ${quoted(label)} (${error?.message}); it is left out of the numbers.`);
  else if (outcome === 'missing' && mine) status(`${quoted(label)} is not in the vocabulary.`);
  else if (outcome === 'missing') notInLink();
  if (!mine && $('add-label-status').textContent.startsWith('Loading the link')) linkStatus();
}

/** For a link's labels (not added here): how many are on their way, left out of the numbers meanwhile. */
function linkStatus() {
  const n = editor.state.labels.filter((label) => labelState(label) === 'pending' && !adding.has(label)).length;
  status(n ? `Loading the link's labels: ${n} still on ${n > 1 ? 'their' : 'its'} way, left out of the numbers until ${n > 1 ? 'they arrive' : 'it arrives'}.` : '');
}

export const startLive = () => editor.actions.startLive();
/** A text outside the vocabulary, embedded by live mode. */
export const addLiveCandidate = (text) => editor.state.live.push(text) && addCandidate(text);

/** Make a vocabulary label a candidate; false if it is one already. */
export function addCandidate(label) {
  if (editor.state.labels.includes(label)) {
    status(`${quoted(label)} is already a candidate.`);
    return false;
  }
  editor.state.labels.push(label);
  adding.add(label);
  editor.commit('labels');  // starts the fetch of its file, unless its vectors are here already
  if (labelState(label) === 'pending') status(`Adding ${quoted(label)}… (left out of the numbers until it arrives)`);
  else if (adding.delete(label)) status(`Added ${quoted(label)}.${pendingNote()}`);
  return true;
}

function move(i, step) {
  const { labels } = editor.state;
  const j = i + step;
  [labels[i], labels[j]] = [labels[j], labels[i]];
  editor.commit('labels');
  const [up, down] = $('label-rows').rows[j].querySelectorAll('.row-actions button');  // keep focus on the moved label
  (step < 0 && !up.disabled) || down.disabled ? up.focus() : down.focus();
}

function removeLabel(i) {
  const [label] = editor.state.labels.splice(i, 1);
  adding.delete(label);
  editor.actions.cancelLabel(label);  // a pending fetch is aborted
  editor.commit('labels');
  status(`Removed ${quoted(label)}.${pendingNote()}`);
  input.focus();
}

function setProbability(td, p) {
  td.lastChild.nodeValue = percent(p);
  td.firstChild.style.width = percent(p);  // CSSOM, allowed by the CSP
}

function retry(label) {
  adding.add(label);
  editor.actions.retryLabel(label);
  status(`Adding ${quoted(label)}… (left out of the numbers until it arrives)`);
}

/** The i-th candidate's row; j: its index among the scored labels (ready rows only). */
function row(view, { label, state }, i, j) {
  const tr = document.createElement('tr');
  tr.dataset.testid = 'label-row';
  tr.dataset.label = label;
  tr.dataset.state = state;
  const actions = document.createElement('td');
  actions.className = 'row-actions';
  const last = view.entries.length - 1;
  actions.append(
    actionButton('↑', `Move ${label} up`, i === 0, () => move(i, -1)),
    actionButton('↓', `Move ${label} down`, i === last, () => move(i, 1)),
    actionButton('×', `Remove ${label}`, last === 0, () => removeLabel(i)),
  );
  const ms = live.get(label)?.ms;  // a live label's
  if (live.has(label)) tr.dataset.live = 'true';
  if (state !== 'ready') {  // no numbers yet: the label is left out of every figure
    const note = cell('td', { pending: 'loading…', waiting: 'needs live mode' }[state] ?? 'could not load ', 'row-note');
    note.colSpan = 2;
    if (state === 'failed') note.append(actionButton('Retry', `Retry loading ${label}`, false, () => retry(label)));
    tr.append(rowHeader(label), note, actions);
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
  if (ms !== undefined) header.append(' ', cell('span', `live · ${Math.round(ms)} ms`, 'tag'));
  tr.append(header, cell('td', view.sims[j].toFixed(4), 'num'), prob, actions);
  return tr;
}

export function update(view) {
  const key = `${view.scored}\n${view.entries.map((entry) => `${entry.label}\t${entry.state}`).join('\n')}`;
  if (key === shown) {  // only the temperature changed: the similarities stand
    const ready = $('label-rows').querySelectorAll('tr[data-state=ready]');
    view.probs.forEach((p, j) => {
      ready[j].dataset.prob = String(p);
      setProbability(ready[j].cells[2], p);
    });
    return;
  }
  shown = key;
  if (!$('add-label-status').textContent && view.entries.some(({ label, state }) => state === 'pending' && !adding.has(label))) linkStatus();
  let j = 0;
  $('label-rows').replaceChildren(...view.entries.map((entry, i) => row(view, entry, i, entry.state === 'ready' ? j++ : -1)));
}
