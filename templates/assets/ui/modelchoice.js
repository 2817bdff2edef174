// The model choice (issue 36) as the page shows it, besides the control bar's select (controlbar.js): the figures
// that cannot follow a further model get the default model's view while one is shown, and each says so in a line of
// its own (data-paused="model"), so that no figure shows the default's numbers as the chosen model's; live mode says
// it runs the default model only; the control bar's model line and the footer's note of the model behind the numbers
// follow the model on screen.
import { $, cell } from './dom.js';

// the figures (by name, which is their element's id) drawn from data the page has for the default model only
const DEFAULT_ONLY = {
  attack: 'the attack lab’s stamped photos are embedded by the default model only',
};
// "Models compared" shows every model itself: its first column is the default's own view, the others their files
const OWN_COLUMNS = new Set(['models']);

/** A figure's update, handed the default model's view (page.js: view.defaultView, there while a further model is
 * shown) when the figure cannot follow a further model. */
export const forModel = ({ name, update }) => (Object.hasOwn(DEFAULT_ONLY, name) || OWN_COLUMNS.has(name)
  ? (view) => update(view.defaultView ?? view) : update);

const notes = new Map();  // element id -> its paused line

/** An element's line while it shows the default model's numbers (line: the sentence), or none (line: null). */
function pause(id, line) {
  const element = $(id);
  if (!element || (!line && !notes.has(id))) return;
  let note = notes.get(id);
  if (!line) {
    element.removeAttribute('data-paused');
    note.remove();
    notes.delete(id);
    return;
  }
  if (!note) {
    note = cell('p', '', 'model-paused');
    note.dataset.testid = 'model-paused';
    if (element.tagName === 'P') element.after(note);
    else element.prepend(note);
    notes.set(id, note);
  }
  element.dataset.paused = 'model';
  note.textContent = line;
}

/** view.model: modelstate.js modelsOf; view.modelRoot: the shown model's data root ('' for the default). */
export function showModels(view) {
  const { list, shown, chosen, loading, failed, ownPhoto, uncentred } = view.model;
  if (list.length < 2) return;
  const first = list[0].name;
  const further = Boolean(view.modelRoot);
  for (const [id, why] of Object.entries(DEFAULT_ONLY)) {
    pause(id, further && `This figure shows ${first}’s numbers, not ${shown.name}’s: ${why}. Choose ${first} in the `
      + 'controls to see it follow your view again.');
  }
  pause('live-panel', further && `Live mode runs ${first} only (its export and the checks that prove it are made `
    + `for that model alone): choose ${first} to use it.`);
  const name = $('model-name');
  if (name) name.textContent = shown.name;
  const fingerprint = $('model-fingerprint');
  if (fingerprint) fingerprint.hidden = further;  // the default checkpoint's fingerprint
  const line = $('bar-model-state');
  if (!line) return;
  let text = '';
  if (loading) text = `Loading ${chosen.name}… the numbers stay ${shown.name}’s until it is here.`;
  else if (failed) text = `${failed.name}’s data could not be loaded; showing ${shown.name}.`;
  else if (ownPhoto) text = `Only ${first} embeds your own photo (live mode): these are its numbers.`;
  else if (uncentred) text = `Loading ${shown.name}’s means: its numbers are not centred until they are here.`;
  line.textContent = text;
  line.hidden = !text;
  line.dataset.shown = shown.id;
}
