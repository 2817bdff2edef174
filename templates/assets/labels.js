// The label editor: candidate rows (move, remove) and the add-label combobox, whose vocabulary loads on
// the first edit.
import { loadTemplateVectors, vocabulary, vocabularyLoaded } from './data.js';
import { $, actionButton, cell, percent, rowHeader } from './dom.js';

const input = $('add-label-input');
const listbox = $('label-suggestions');
let active = -1;     // the highlighted suggestion
let editor = null;   // { state, commit(kind), refresh() }
let shown = null;    // the scored view whose rows are in the table
let search = null;   // search.js, fetched with the vocabulary (type-ahead is of no use before it)

export function init(context) {
  editor = context;
  input.addEventListener('focus', () => { ensureVocabulary(); });
  input.addEventListener('input', async () => {
    if (await ensureVocabulary()) showSuggestions();
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

export function retryButton() {
  return actionButton('Retry', 'Retry loading', false, () => { status(''); ensureVocabulary(); editor.refresh(); });
}

async function ensureVocabulary() {
  const { template } = editor.state;
  if (vocabularyLoaded(template) && search) return true;
  const loading = 'Loading the vocabulary…';
  status(loading);
  input.setAttribute('aria-busy', 'true');
  try {
    [search] = await Promise.all([import('./search.js'), loadTemplateVectors(template)]);
    if ($('add-label-status').textContent === loading) status('');  // keep any newer message
    return true;
  } catch (error) {
    status(`Could not load the vocabulary (${error.message}).`, retryButton());
    return false;
  } finally {
    input.removeAttribute('aria-busy');
  }
}

function showSuggestions() {
  const found = vocabulary.labels && search ? search.suggest(vocabulary.labels, input.value, 8, new Set(editor.state.labels)) : [];
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
  if (!(await ensureVocabulary())) return;
  const label = vocabulary.byLower.get(text.toLowerCase());
  if (!label) {
    const offers = search.closest(vocabulary.labels, text, 3).map((suggestion) =>
      actionButton(suggestion, `Add ${suggestion}`, false, () => addLabel(suggestion)));
    status(`“${text.length > 64 ? `${text.slice(0, 64)}…` : text}” is not in the vocabulary.${offers.length ? ' Closest:' : ''} `, ...offers);
    return;
  }
  if (editor.state.labels.includes(label)) {
    status(`“${label}” is already a candidate.`);
    return;
  }
  editor.state.labels.push(label);
  input.value = '';
  editor.commit('labels');
  status(`Added “${label}”.`);
}

function move(i, step) {
  const { labels } = editor.state;
  const j = i + step;
  [labels[i], labels[j]] = [labels[j], labels[i]];
  editor.commit('labels');
  const [up, down] = $('label-rows').rows[j].querySelectorAll('button');  // keep focus on the moved label
  (step < 0 && !up.disabled) || down.disabled ? up.focus() : down.focus();
}

function removeLabel(i) {
  const [label] = editor.state.labels.splice(i, 1);
  editor.commit('labels');
  status(`Removed “${label}”.`);
  input.focus();
}

function setProbability(td, p) {
  td.lastChild.nodeValue = percent(p);
  td.firstChild.style.width = percent(p);  // CSSOM, allowed by the CSP
}

function row(view, label, i) {
  const tr = document.createElement('tr');
  tr.dataset.testid = 'label-row';
  tr.dataset.label = label;
  tr.dataset.sim = String(view.sims[i]);  // full precision, for outside checks
  tr.dataset.prob = String(view.probs[i]);
  const prob = cell('td', '', 'num');
  const bar = document.createElement('span');
  bar.className = 'prob-bar';
  bar.setAttribute('aria-hidden', 'true');
  prob.append(bar, '');
  setProbability(prob, view.probs[i]);
  const actions = document.createElement('td');
  actions.className = 'row-actions';
  const last = view.labels.length - 1;
  actions.append(
    actionButton('↑', `Move ${label} up`, i === 0, () => move(i, -1)),
    actionButton('↓', `Move ${label} down`, i === last, () => move(i, 1)),
    actionButton('×', `Remove ${label}`, last === 0, () => removeLabel(i)),
  );
  tr.append(rowHeader(label), cell('td', view.sims[i].toFixed(4), 'num'), prob, actions);
  return tr;
}

export function update(view) {
  const rows = $('label-rows').rows;
  if (view.scored === shown) {  // only the temperature changed: the similarities stand
    view.probs.forEach((p, i) => {
      rows[i].dataset.prob = String(p);
      setProbability(rows[i].cells[2], p);
    });
    return;
  }
  shown = view.scored;
  $('label-rows').replaceChildren(...view.labels.map((label, i) => row(view, label, i)));
}
