// The label editor: candidate rows (move, remove; a label whose file is on its way is a pending row, one
// whose fetch failed has a Retry button) and the add-label combobox, whose names load on the first keystroke.
import { labelState, loadNames, names } from './data.js';
import { $, actionButton, cell, percent, rowHeader } from './dom.js';

const input = $('add-label-input');
const listbox = $('label-suggestions');
let active = -1;     // the highlighted suggestion
let editor = null;   // { state, commit(kind), actions: { retryLabel, cancelLabel } }
let shown = null;    // the rows in the table: labels, their states and the scored view
let search = null;   // search.js, fetched with the names (type-ahead is of no use before them)
const adding = new Set();  // labels added here whose files are on their way: "Added" once they land

export function init(context) {
  editor = context;
  input.addEventListener('input', async () => {
    if (await ensureNames()) showSuggestions();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (listbox.hidden) showSuggestions();
      highlight(active + (event.key === 'ArrowDown' ? 1 : -1));
      event.preventDefault();
    } else if (event.key === 'Escape') {
      closeSuggestions();
    } else if (event.key === 'Enter' && active >= 0) {
      event.preventDefault();
      addLabel(listbox.children[active].textContent);
    }
  });
  input.addEventListener('blur', () => setTimeout(closeSuggestions, 150));  // a click on an option lands first
  $('add-label-form').addEventListener('submit', (event) => { event.preventDefault(); addLabel(input.value); });
}

export function status(text, ...extra) {
  $('add-label-status').replaceChildren(text, ...extra);
}

/** The names file and search.js; false (with a Retry) when they could not be loaded. */
async function ensureNames() {
  if (names.list && search) return true;
  const loading = 'Loading the vocabulary…';
  status(loading);
  input.setAttribute('aria-busy', 'true');
  try {
    [search] = await Promise.all([import('./search.js'), loadNames()]);
    if ($('add-label-status').textContent === loading) status('');  // keep any newer message
    return true;
  } catch (error) {
    status(`Could not load the vocabulary's names (${error.message}).`,
      actionButton('Retry', 'Retry loading the names', false, () => { status(''); ensureNames(); }));
    return false;
  } finally {
    input.removeAttribute('aria-busy');
  }
}

const quoted = (text) => `“${text.length > 64 ? `${text.slice(0, 64)}…` : text}”`;

function pendingNote() {
  const n = editor.state.labels.filter((label) => adding.has(label)).length;
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
}

function showSuggestions() {
  const found = names.list && search ? search.suggest(names.list, input.value, 8, new Set(editor.state.labels)) : [];
  active = -1;
  listbox.replaceChildren(...found.map((label, i) => {
    const option = cell('li', label);
    option.id = `suggestion-${i}`;
    option.setAttribute('role', 'option');
    option.setAttribute('aria-selected', 'false');
    option.addEventListener('mousedown', (event) => event.preventDefault());  // keep focus in the input
    option.addEventListener('click', () => addLabel(label));
    return option;
  }));
  const open = found.length > 0;
  listbox.hidden = !open;
  input.setAttribute('aria-expanded', String(open));
  input.removeAttribute('aria-activedescendant');
}

function closeSuggestions() {
  listbox.replaceChildren();
  listbox.hidden = true;
  active = -1;
  input.setAttribute('aria-expanded', 'false');
  input.removeAttribute('aria-activedescendant');
}

function highlight(index) {
  const options = [...listbox.children];
  if (!options.length) return;
  active = (index + options.length) % options.length;
  options.forEach((option, i) => option.setAttribute('aria-selected', String(i === active)));
  input.setAttribute('aria-activedescendant', options[active].id);
  options[active].scrollIntoView({ block: 'nearest' });
}

async function addLabel(raw) {
  const text = raw.replace(/\s+/g, ' ').trim();
  if (!text) return;
  closeSuggestions();
  // without the names (they failed), the label's own file decides: a 404 means not in the vocabulary
  const label = (await ensureNames()) ? names.byLower.get(text.toLowerCase()) : text;
  if (!label) {
    const offers = search.closest(names.list, text, 3).map((suggestion) =>
      actionButton(suggestion, `Add ${suggestion}`, false, () => addLabel(suggestion)));
    status(`${quoted(text)} is not in the vocabulary.${offers.length ? ' Closest:' : ''} `, ...offers);
    return;
  }
  if (editor.state.labels.includes(label)) {
    status(`${quoted(label)} is already a candidate.`);
    return;
  }
  editor.state.labels.push(label);
  input.value = '';
  adding.add(label);
  editor.commit('labels');  // starts the fetch of its file, unless its vectors are here already
  if (labelState(label) === 'pending') status(`Adding ${quoted(label)}… (left out of the numbers until it arrives)`);
  else if (adding.delete(label)) status(`Added ${quoted(label)}.${pendingNote()}`);
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
  if (state !== 'ready') {  // no numbers yet: the label is left out of every figure
    const note = cell('td', state === 'pending' ? 'loading…' : 'could not load ', 'row-note');
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
  tr.append(rowHeader(label), cell('td', view.sims[j].toFixed(4), 'num'), prob, actions);
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
  let j = 0;
  $('label-rows').replaceChildren(...view.entries.map((entry, i) => row(view, entry, i, entry.state === 'ready' ? j++ : -1)));
}
