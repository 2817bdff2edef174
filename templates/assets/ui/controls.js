// The photo, template and temperature controls: they show the current view and report the reader's changes.
import { $, threeDigits } from './dom.js';

let shownPhoto = null;

/** actions: choosePhoto(id), chooseTemplate(id), setTemperature(index): the store's, bound. */
export function init(actions) {
  for (const radio of document.querySelectorAll('input[name="photo"]')) {
    radio.addEventListener('change', () => actions.choosePhoto(radio.value));
  }
  // each control is on the core article only (a deep-dive page has the control bar): absent ones are skipped
  $('template-select')?.addEventListener('change', (event) => actions.chooseTemplate(event.target.value));
  $('tau-slider')?.addEventListener('input', (event) => actions.setTemperature(Number(event.target.value)));
}

function showPhoto(photo) {
  const img = $('current-photo');
  // the reader's own photo draws itself (the CSP allows no blob: images); a built photo's <picture> sources
  // come in the order of photo.sources (AVIF, WebP): the same formats for every photo
  if (photo.own) {
    photo.draw(img);
  } else {
    $('current-picture').querySelectorAll('source')
      .forEach((source, i) => { source.srcset = photo.sources[i].srcset; });
    Object.assign(img, { srcset: photo.srcset, src: photo.src, hidden: false });
  }
  img.width = photo.width;
  img.height = photo.height;
  img.alt = photo.alt;
  $('photo-title').textContent = photo.title;
  $('photo-credit').textContent = `${photo.credit}, ${photo.licence}`;
  $('embed-ms').textContent = String(photo.embed_ms);
  $('embed-where').textContent = photo.own ? 'in this browser' : 'at build time';
}

export function update(view) {
  // a view may come from the URL or from Back / Forward, not only from these controls
  for (const radio of document.querySelectorAll('input[name="photo"]')) radio.checked = radio.value === view.photo.id;
  if ($('template-select')) $('template-select').value = view.template.id;
  if ($('current-photo') && shownPhoto !== view.photo) {  // the object: a second own photo replaces the first
    shownPhoto = view.photo;
    showPhoto(view.photo);
  }
  if ($('tau-slider')) {
    $('tau-slider').value = String(view.tauIndex);
    $('tau-value').textContent = threeDigits(view.tau);
    $('tau-inverse').textContent = threeDigits(1 / view.tau);
    $('tau-slider').setAttribute('aria-valuetext', `tau ${threeDigits(view.tau)}`);
  }
  const recompute = $('recompute-ms');
  if (recompute) recompute.textContent = `${view.elapsed.toFixed(2)} ms for ${view.labels.length} labels`;
}
