// Where in the photo: the chosen label's occlusion map (why.js's rules) over the square "What the model sees"
// shows, or the difference map when a second label is chosen. Its vectors (data/occlusion.json: every photo
// with each patch cell hidden) are fetched the first time the figure is near; until they land the build's map
// of the default view stays, and any other view says "loading" rather than show a map that is not its own.
import { decodeFloat16, rows } from '../clipmath.js';
import { $, cell, rowHeader } from '../dom.js';
import { occlusionView } from '../why.js';

let occluded = null;  // photo id -> grid * grid (dim,) vectors, once fetched
let loading = null;   // the fetch on its way
let latest = null;    // the newest view: drawn again when the vectors land
let bound = false;
let built = null;     // "photo\nlabel" of the build's map, read from the page before the script changes it
const others = new Set();  // other figures' redraws (figures/rival.js), run when the vectors land

/** A photo's occluded vectors, grid * grid (dim,), for another figure's map (figures/rival.js): null until they
 *  land (then redraw() runs) or for a photo without them. */
export function occludedFor(snap, id, redraw) {
  if (occluded) return occluded.get(id) ?? null;
  others.add(redraw);
  load(snap);
  return null;
}

function load(snap) {
  loading ??= fetch(snap.occlusion.file)
    .then((response) => {
      if (!response.ok) throw new Error(`${snap.occlusion.file}: HTTP ${response.status}`);
      return response.json();
    })
    .then((data) => {
      occluded = new Map(Object.entries(data.photos)
        .map(([id, b64]) => [id, rows(decodeFloat16(b64), snap.model.dim)]));
      if (latest) update(latest);
      for (const redraw of others) redraw();
    })
    .catch(() => { loading = null; });  // asked again by the next view
}

/** Options of a select (reader text only as textContent), rebuilt when they change. */
function fill(select, values, chosen, none = null) {
  const options = (none === null ? [] : [['', none]]).concat(values.map((v) => [v, v]));
  const key = JSON.stringify(options);
  if (select.dataset.options !== key) {
    select.replaceChildren(...options.map(([value, text]) => {
      const option = cell('option', text);
      option.value = value;
      return option;
    }));
    select.dataset.options = key;
  }
  select.value = chosen;
}

function bind(act) {
  if (bound) return;
  bound = true;
  $('saliency-label').addEventListener('change', (e) => act.chooseWhyLabel(e.target.value));
  $('saliency-rival').addEventListener('change', (e) => act.chooseRival(e.target.value || null));
}

/** Colours a map's cells and legend ticks inside figure (this figure's, and figures/rival.js's difference map). */
export function drawMap(figure, { cells, ticks }) {
  const rects = figure.querySelectorAll('.saliency-cells rect');
  cells.forEach((c, k) => {
    const rect = rects[k];
    rect.setAttribute('fill', c.colour);
    rect.dataset.row = String(c.row);
    rect.dataset.col = String(c.col);
    rect.dataset.value = String(c.value);
  });
  figure.querySelectorAll('.saliency-tick').forEach((tick, i) => { tick.textContent = ticks[i]; });
}

export function update(view) {
  latest = view;
  bind(view.act);
  const { label, rival } = view.why;
  fill($('saliency-label'), view.labels, label);
  fill($('saliency-rival'), view.labels.filter((l) => l !== label), rival ?? '', '(no second label)');
  const figure = $('saliency-figure');
  built ??= `${figure.dataset.photo}\n${figure.dataset.label}`;
  const own = !view.snap.photos.some((p) => p.id === view.photo.id);
  figure.dataset.label = label;
  figure.dataset.rival = rival ?? '';
  $('saliency-own').hidden = !own;
  figure.querySelector('.saliency-stage').hidden = own;
  if (own) {  // no occluded vectors for the reader's photo: say so, never a wrong map
    figure.dataset.state = 'own';
    figure.dataset.photo = view.photo.id;
    return;
  }
  if (!occluded) {
    load(view.snap);
    if (figure.dataset.state === undefined && built === `${view.photo.id}\n${label}` && !rival
      && view.template.id === view.snap.default.template) return;  // the build's map is this view's map
    figure.dataset.state = 'loading';
    $('saliency-summary').textContent = 'Loading the occluded vectors…';
    return;
  }
  const map = occlusionView(view.image, occluded.get(view.photo.id), view.snap.occlusion.grid, view.vector(label),
    rival ? view.vector(rival) : null, label, rival);
  drawMap(figure, map);
  $('saliency-photo').src = `seen/${view.photo.id}-input.png`;
  figure.dataset.photo = view.photo.id;
  figure.dataset.state = 'ready';
  $('saliency-summary').textContent = map.summary;
  $('saliency-table').tBodies[0].replaceChildren(...map.table.map(([head, ...values]) => {
    const tr = document.createElement('tr');
    tr.append(rowHeader(head), ...values.map((v) => cell('td', v)));
    return tr;
  }));
}
