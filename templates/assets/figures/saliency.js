// Where in the photo: the chosen label's occlusion map (why.js's rules) over the square "What the model sees"
// shows, or the difference map when a second label is chosen. Its vectors (data/occlusion.json: every photo
// with each patch cell hidden) are fetched the first time the figure is near in a view other than the build's;
// until they land the build's map of the default view stays, and any other view says "loading" rather than show
// a map that is not its own. The reader's own photo has its vectors from live mode (ownphoto.js:
// view.ownOcclusion); while they come the figure says so, with their progress, and shows no map. A further model
// shown (issue 36): its own occluded vectors, the same path under its data root (view.modelRoot), on its own patch
// grid (view.snap.occlusion is that model's): drawMap fits the cells to the map it is handed.
import { $, cell, fillSelect, rowHeader } from '../ui/dom.js';
import { drawMap, landed, loadOccluded } from '../ui/occlusionmaps.js';
import { occlusionReadout, occlusionView } from '../rules/why.js';

let latest = null;    // the newest view: drawn again when the vectors land
let built = null;     // "photo\nlabel" of the build's map, read from the page before the script changes it
let rebuilt = false;  // the map has left the build's (loading or drawn here): it is drawn from the vectors since
const redraw = () => latest && update(latest);

function init({ act }) {
  $('saliency-label').addEventListener('change', (e) => act.chooseWhyLabel(e.target.value));
  $('saliency-rival').addEventListener('change', (e) => act.chooseRival(e.target.value || null));
  const stage = $('saliency-figure').querySelector('.saliency-stage');
  stage.addEventListener('pointermove', (e) => {
    const rect = e.target.closest?.('rect[data-row]');
    if (rect) mark(Number(rect.dataset.row), Number(rect.dataset.col));
  });
  stage.addEventListener('keydown', (e) => {
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (!(e.key in moves)) return;
    e.preventDefault();
    const [row, col] = marked ?? [0, 0];
    mark(row + moves[e.key][0], col + moves[e.key][1]);
  });
  stage.addEventListener('focus', () => mark(...(marked ?? [0, 0])));
}

let marked = null;  // [row, col] of the cell the readout speaks of

/** Mark one cell (clamped to the grid) and say its value, for the label (and rival) the map shows. */
function mark(row, col) {
  const grid = latest?.snap.occlusion.grid ?? 0;
  const figure = $('saliency-figure');
  const place = [Math.max(0, Math.min(grid - 1, row)), Math.max(0, Math.min(grid - 1, col))];
  const rect = figure.querySelector(`#saliency-cells rect[data-row="${place[0]}"][data-col="${place[1]}"]`);
  if (!rect || rect.dataset.value === '' || figure.dataset.state === 'loading') return;
  marked = place;
  figure.dataset.marked = place.join(',');
  const box = figure.querySelector('.saliency-mark');
  box.setAttribute('x', String(place[1]));
  box.setAttribute('y', String(place[0]));
  $('saliency-readout').textContent = occlusionReadout({ row: place[0], col: place[1],
    value: Number(rect.dataset.value) }, figure.dataset.label, figure.dataset.rival || null);
}

export function update(view) {
  latest = view;
  const { label, rival } = view.why;
  fillSelect($('saliency-label'), view.labels, label);
  fillSelect($('saliency-rival'), view.labels.filter((l) => l !== label), rival ?? '', '(no second label)');
  const figure = $('saliency-figure');
  built ??= `${figure.dataset.photo}\n${figure.dataset.label}`;
  const own = !view.snap.photos.some((p) => p.id === view.photo.id);
  figure.dataset.label = label;
  figure.dataset.rival = rival ?? '';
  const ownMap = own ? view.ownOcclusion : null;  // the reader's photo's vectors, from live mode
  if (own) rebuilt = true;  // the build's map gives way to the reader's photo's (or its notice)
  $('saliency-own').hidden = !own || !!ownMap?.vectors;
  figure.querySelector('.saliency-stage').hidden = own && !ownMap?.vectors;
  if (own && !ownMap?.vectors) {  // still coming (or failed): say so, never a wrong map
    ownPending(figure, view, ownMap);
    return;
  }
  const occluded = own ? null : landed(view.snap, view.modelRoot);
  if (!own && !occluded) {
    // the build's map is this view's map (its cells hold their values for the readout): the vectors are fetched on
    // first need, when the view differs, not with a page's first view (issue 32)
    if (!rebuilt && built === `${view.photo.id}\n${label}` && !rival && !view.modelRoot
      && view.template.id === view.snap.default.template) {
      figure.dataset.state = 'ready';  // the build's map, whole
      return;
    }
    rebuilt = true;
    loadOccluded(view.snap, view.modelRoot, redraw);
    figure.dataset.state = 'loading';
    $('saliency-summary').textContent = 'Loading the occluded vectors…';
    return;
  }
  const cells = own ? ownMap.vectors : occluded.get(view.photo.id);
  const map = occlusionView(view.image, cells, view.snap.occlusion.grid, view.vector(label),
    rival ? view.vector(rival) : null, label, rival);
  drawMap(figure, map);
  showSquare(view.photo, own ? ownMap.square : null, view.modelRoot);
  Object.assign(figure.dataset, { photo: view.photo.id, state: 'ready', model: view.model.shown?.id ?? '' });
  $('saliency-summary').textContent = map.summary;
  const head = $('saliency-table').tHead.rows[0];
  if (head.cells.length !== map.table.length + 1) {  // a column per cell of a row: the model's grid
    head.replaceChildren(cell('th', 'row'), ...map.table.map((_, c) => cell('th', `column ${c + 1}`)));
    [...head.cells].forEach((th) => { th.scope = 'col'; });
  }
  if (marked) mark(...marked);  // the marked cell's new value
  $('saliency-table').tBodies[0].replaceChildren(...map.table.map(([head, ...values]) => {
    const tr = document.createElement('tr');
    tr.append(rowHeader(head), ...values.map((v) => cell('td', v)));
    return tr;
  }));
}

// ---- the reader's own photo -----------------------------------------------------------------------------

/** The map of the reader's photo is coming (occlusion: { done, total }) or failed ({ error }): the figure says
 *  which, with the progress; its cells keep no value, and the table no row, of another photo. */
function ownPending(figure, view, occlusion) {
  const total = occlusion?.total ?? view.snap.occlusion.grid ** 2;
  const done = occlusion?.done ?? 0;
  figure.dataset.state = occlusion?.error ? 'failed' : 'pending';
  figure.dataset.photo = view.photo.id;
  figure.dataset.progress = `${done}/${total}`;
  const progress = $('saliency-own-progress');
  Object.assign(progress, { max: total, value: done, hidden: !!occlusion?.error });
  progress.textContent = `${done} of ${total}`;  // what a browser without <progress> shows
  $('saliency-own-text').textContent = occlusion?.error
    ? `The map of your photo could not be made: ${occlusion.error}`
    : `The map of your photo is coming: live mode embeds it ${total} more times in this browser, once with each `
      + `cell hidden (${done} of ${total} done).`;
  $('saliency-summary').textContent = '';
  for (const rect of figure.querySelectorAll('#saliency-cells rect')) rect.dataset.value = '';
  figure.querySelectorAll('.saliency-tick').forEach((tick, i) => { tick.textContent = i === 1 ? '0' : ''; });
  $('saliency-table').tBodies[0].replaceChildren();
}

/** Under the map: the build's square for its photos, or the reader's (square: RGBA bytes) on a canvas. */
function showSquare(photo, square, root) {
  const img = $('saliency-photo');
  img.hidden = !!square;
  if (!square) {
    img.src = `${root}seen/${photo.id}-input.png`;  // the model on screen's square
    if ($('saliency-own-square')) $('saliency-own-square').hidden = true;
    return;
  }
  if (!$('saliency-own-square')) {
    img.after(Object.assign(document.createElement('canvas'), { id: 'saliency-own-square', width: img.width,
      height: img.height }));
  }
  const canvas = $('saliency-own-square');
  canvas.hidden = false;
  canvas.getContext('2d').putImageData(new ImageData(square, canvas.width, canvas.height), 0, 0);
}

export const figure = {
  name: 'saliency', near: ['saliency'],
  reads: ['image', 'labels', 'model', 'modelRoot', 'ownOcclusion', 'photo', 'snap', 'template', 'vector', 'why'],
  init, update,
};
