// The add-label combobox's own code, imported on the reader's first keystroke (not part of the first
// view): the vocabulary's names and search.js load with it; type-ahead, the keyboard, and the checks of
// a typed label against the names.
import { megabytes } from '../rules/sentences.js';
import { loadNames, snap } from '../state/data.js';
import { $, actionButton, cell, quoted } from '../ui/dom.js';
import { MAX_LIVE_LENGTH, actions, cleanLabel, reservedLabel } from '../state/store.js';
import { CONTEXT_LENGTH } from '../ui/snapshot.js';

const input = $('add-label-input');
const listbox = $('label-suggestions');
let active = -1;    // the highlighted suggestion
let search = null;  // search.js, fetched with the names (type-ahead is of no use before them)
let editor = null;  // what labels.js hands over: { store, status(text, ...), startLive() }

export function init(context) {
  editor = context;
}

const status = (...args) => editor.status(...args);
const names = () => editor.store.getState().names;
const liveOn = () => editor.store.getState().liveMode === 'on';

export async function typed() {
  if (await ensureNames()) showSuggestions();
}

export function keydown(event) {
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
}

export const submit = () => addLabel(input.value);
export { closeSuggestions as close };

/** The names file and search.js; false (with a Retry) when they could not be loaded. */
async function ensureNames() {
  if (names() && search) return true;
  const loading = 'Loading the vocabulary…';
  status(loading);
  input.setAttribute('aria-busy', 'true');
  try {
    const [module, loaded] = await Promise.all([import('./search.js'), loadNames()]);
    search = module;
    if (!names()) editor.store.dispatch(actions.namesLoaded(loaded));
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

function showSuggestions() {
  const { labels } = editor.store.getState();
  const found = names() && search ? search.suggest(names().list, input.value, 8, new Set(labels)) : [];
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
  const text = cleanLabel(raw);
  if (!text) return;
  closeSuggestions();
  // after the names' load: the keystrokes' own ensureNames (typed) says "Loading the vocabulary…" meanwhile, and
  // this label's answer must come after that line, not before it where the load's end would clear it
  const known = await ensureNames();
  if (reservedLabel(text)) {
    status(`${quoted(text)} is a name the charts cannot show (a JavaScript object's own); try another label.`);
    return;
  }
  // without the names (they failed), the label's own file decides: a 404 means not in the vocabulary
  const label = known ? names().byLower.get(text.toLowerCase()) : text;
  if (!label && liveOn()) {  // any text: embedded in this browser under every template
    if (text.length > MAX_LIVE_LENGTH) {  // the model would read only its start
      status(`${quoted(text)} is too long (${MAX_LIVE_LENGTH} characters at most; `
        + `the model reads ${CONTEXT_LENGTH} tokens).`);
    } else if (addCandidate(text, true)) input.value = '';
    return;
  }
  if (!label) {
    const offers = search.closest(names().list, text, 3).map((suggestion) =>
      actionButton(suggestion, `Add ${suggestion}`, false, () => addLabel(suggestion)));
    const live = snap.live ? [`; or embed any text with live mode (${megabytes(snap.live.text_bytes)}) `,
      actionButton('Turn on live mode', `Turn on live mode and add ${text}`, false,
        () => editor.startLive().then(() => liveOn() && addLabel(text)))] : ['.'];
    status(`${quoted(text)} is not in the vocabulary${offers.length ? '; closest: ' : ''}`, ...offers, ...live);
    return;
  }
  if (addCandidate(label)) input.value = '';
}

/** The label becomes a candidate (live: a text outside the vocabulary, for live mode), through the store's action:
 * its file is fetched, or it is embedded, by effects.js, and the status line says so (labels.js said); false if it
 * is a candidate already. */
function addCandidate(label, live = false) {
  if (editor.store.getState().labels.includes(label)) {
    status(`${quoted(label)} is already a candidate.`);
    return false;
  }
  editor.store.dispatch(actions.addLabel(label, live));
  return true;
}
