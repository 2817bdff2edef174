// The controls that travel with the reader (templates/controlbar.html): the chosen photo's thumbnail, the
// template, the temperature, the labels as chips, live mode's state and, on a site with several, the model. It
// holds no state of its own: it shows the store's view (update) and hands the reader's changes to the store's
// actions, as the full controls (controls.js, labels.js) do, so either one shows what the other changed.
import { $, actionButton, cell, threeDigits } from './dom.js';
import { showModels } from './modelchoice.js';

let chipsShown = null;  // the chips' labels and states, to rebuild them only when they change
let remove = () => {};  // the store's removeLabel, bound

/** act: the store's actions, bound (choosePhoto, chooseTemplate, setTemperature, removeLabel). */
export function init(act) {
  const bar = $('control-bar');
  if (!bar) return;
  $('bar-photo').addEventListener('change', (event) => act.choosePhoto(event.target.value));
  $('bar-template').addEventListener('change', (event) => act.chooseTemplate(event.target.value));
  $('bar-tau').addEventListener('input', (event) => act.setTemperature(Number(event.target.value)));
  // the site's models, the default first (null in the store: the default)
  $('bar-model')?.addEventListener('change', ({ target }) => act.chooseModel(target.selectedIndex ? target.value
    : null));
  // a phone's bar opens and closes (narrow.css shows the toggle; a wide screen always shows the controls)
  $('bar-toggle').addEventListener('click', () => {
    const open = $('bar-toggle').getAttribute('aria-expanded') !== 'true';
    $('bar-toggle').setAttribute('aria-expanded', String(open));
    bar.classList.toggle('is-open', open);
  });
  remove = act.removeLabel;
}

function chip(label, state, only) {
  const li = cell('li', '', 'chip');
  li.dataset.label = label;
  li.dataset.state = state;
  li.append(cell('span', label), actionButton('×', `Remove the label ${label}`, only, () => remove(label)));
  return li;
}

/** The reader's own photo has no thumbnail file: its title stands alone. */
function showPhoto(photo) {
  const thumb = $('bar-thumb');
  thumb.hidden = !photo.thumb;
  if (photo.thumb) thumb.src = photo.thumb;
  const select = $('bar-photo');
  if (![...select.options].some((option) => option.value === photo.id)) {
    select.append(Object.assign(document.createElement('option'), { value: photo.id, textContent: photo.title }));
  }
  select.value = photo.id;
  select.title = photo.title;
}

export function update(view) {
  if (!$('control-bar')) return;
  showPhoto(view.photo);
  $('bar-template').value = view.template.id;
  $('bar-template').title = view.template.text;  // a select cut on a phone: its title (and its list) shows it whole
  $('bar-tau').value = String(view.tauIndex);
  $('bar-tau').setAttribute('aria-valuetext', `tau ${threeDigits(view.tau)}`);
  $('bar-tau-value').textContent = threeDigits(view.tau);
  const n = view.entries.length;
  const model = view.modelRoot ? `${view.model.shown.name} · ` : '';  // a further model's numbers: said first
  const summary = `${model}${view.photo.title} · τ ${threeDigits(view.tau)} · ${n} label${n > 1 ? 's' : ''}`;
  $('bar-summary').textContent = summary;
  $('bar-summary').title = summary;
  showModels(view);
  if ($('bar-model')) $('bar-model').value = view.model.chosen.id;
  const key = view.entries.map((e) => `${e.label}\t${e.state}`).join('\n');
  if (key === chipsShown) return;
  chipsShown = key;
  // focus stays in the list when a chip goes: on the chip that takes its place
  const focused = $('bar-chips').contains(document.activeElement)
    ? [...$('bar-chips').children].indexOf(document.activeElement.closest('li')) : -1;
  $('bar-chips').replaceChildren(...view.entries.map(({ label, state }) => chip(label, state, n === 1)));
  if (focused >= 0) $('bar-chips').children[Math.min(focused, n - 1)]?.querySelector('button')?.focus();
}

/** Live mode's state: 'off', 'starting' or 'on' (store.js liveMode). */
export function showLive(mode) {
  const line = $('bar-live');
  if (!line || line.dataset.state === mode) return;
  line.dataset.state = mode;
  line.textContent = `Live mode: ${mode === 'starting' ? 'starting…' : mode}`;
}
