// Inside the towers: the class token's attention over the patches at one layer and head (or the mean over heads),
// or the rollout through every layer so far, over the square the model sees (rules/towers.js attentionView). The
// photo's numbers (data/towers/<photo>.json) are fetched the first time the figure is near; until they land the
// build's map of the default view stays, and any other view says "loading". The lens figure borrows the fetch
// (towersFor). The layer, head and view are the store's (chooseLayer, chooseHead, chooseAttentionView): in the link.
// A further model shown (issue 36): its own file, the same path under its data root (view.modelRoot), on its own patch
// grid, layers and heads (view.snap.towers is that model's): the map's cells and the controls are rebuilt to fit.
import { decodeFloat16 } from '../rules/clipmath.js';
import { $ } from '../ui/dom.js';
import { modelInput } from '../rules/preprocess.js';
import { attentionView, rollout } from '../rules/towers.js';
import { dataFiles, loaded } from '../ui/datafiles.js';

const files = dataFiles();  // file path -> { attention, rollout, lens (flat), layers, heads, grid }
const owns = new Map();    // own photo's id -> the same, made from live mode's numbers
let latest = null;

/** A photo's towers data under the model whose data root is `root` ('': the default), or null until it lands
 *  (then redraw runs: this figure's and the lens's) or for a photo without any. The reader's own photo: the numbers
 *  live mode's pass made with its vector (live/worker.js towersOf), its rollout computed here by the build's recipe
 *  (rules/towers.js rollout), once. */
export function towersFor(snap, photo, redraw, root = '') {
  const { id } = photo;
  if (photo.own) {
    const own = photo.towers;
    if (!own || !snap.towers) return null;
    const tokens = 1 + own.grid * own.grid;
    if (!owns.has(id)) owns.set(id, { ...own, rollout: rollout(own.mean, own.layers, tokens) });
    return owns.get(id);
  }
  if (!snap.towers || !snap.photos.some((p) => p.id === id)) return null;
  const file = `${root}${snap.towers.folder}/${encodeURIComponent(id)}.json`;
  return loaded(files(file, (data) => ({ ...data, attention: decodeFloat16(data.attention),
    rollout: decodeFloat16(data.rollout), lens: decodeFloat16(data.lens) }), redraw));
}

/** The square the model sees under the map: the build's file, or the reader's photo drawn here (no blob: images). */
function showSquare(photo, root) {
  const img = $('attention-photo');
  img.hidden = !!photo.own;
  if (!photo.own) {
    img.src = `${root}seen/${photo.id}-input.png`;  // the model on screen's square
    if ($('attention-own-square')) $('attention-own-square').hidden = true;
    return;
  }
  photo.seen ??= modelInput(photo.pixels, photo.preprocess);  // once per photo, shared with "What the model sees"
  const { input, size } = photo.seen;
  if (!$('attention-own-square')) {
    img.after(Object.assign(document.createElement('canvas'), { id: 'attention-own-square' }));
  }
  const canvas = Object.assign($('attention-own-square'), { hidden: false, width: size, height: size });
  canvas.getContext('2d').putImageData(new ImageData(input, size, size), 0, 0);
}

function init({ act, snap }) {
  const slider = $('attention-layer');
  slider.addEventListener('input', () => act.chooseLayer(Number(slider.value)));
  $('attention-head').addEventListener('change', (e) => act.chooseHead(e.target.value === 'mean' ? 'mean'
    : Number(e.target.value)));
  $('attention-rollout').addEventListener('change', (e) => act.chooseAttentionView(e.target.checked ? 'rollout'
    : 'attention'));
  // the map itself: Left / Right (and Page Up / Down, Home / End) step through the layers, as the slider does
  const stage = document.querySelector('#attention .towers-stage');
  stage.addEventListener('keydown', (e) => {
    const layers = snap.towers.layers;
    const now = Number(slider.value);
    const to = { ArrowLeft: now - 1, ArrowDown: now - 1, PageDown: now - 1, ArrowRight: now + 1, ArrowUp: now + 1,
      PageUp: now + 1, Home: 1, End: layers }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    act.chooseLayer(Math.max(1, Math.min(layers, to)));
  });
}

const LOADING = 'Loading the attention of this photo…';
const SVG = 'http://www.w3.org/2000/svg';

/** The map's cells, the head choice and the stage's words fitted to the model's grid and heads (built once per
 *  shape: the build draws the default model's). */
function fitShape(figure, grid, heads) {
  const cells = $('attention-cells');
  if (cells.querySelectorAll('rect').length !== grid * grid) {
    cells.setAttribute('viewBox', `0 0 ${grid} ${grid}`);
    cells.replaceChildren(...Array.from({ length: grid * grid }, (_, k) => {
      const rect = document.createElementNS(SVG, 'rect');
      const [row, col] = [Math.floor(k / grid), k % grid];
      Object.entries({ x: col, y: row, width: 1, height: 1 }).forEach(([name, v]) => rect.setAttribute(name, v));
      Object.assign(rect.dataset, { row: String(row), col: String(col) });
      return rect;
    }));
    const stage = figure.querySelector('.towers-stage');
    stage.setAttribute('aria-label', stage.getAttribute('aria-label').replace(/\d+ by \d+/, `${grid} by ${grid}`));
  }
  const select = $('attention-head');
  if (select.options.length !== heads + 1) {
    select.replaceChildren(new Option(`mean of all ${heads}`, 'mean'),
      ...Array.from({ length: heads }, (_, h) => new Option(`head ${h + 1}`, String(h + 1))));
  }
}
const redraw = () => { if (latest) update(latest); };  // one function: asked once however often the view changes

export function update(view) {
  latest = view;
  const { layers, heads, grid } = view.snap.towers;
  const layer = Math.min(view.towers.layer ?? layers, layers);
  const head = view.towers.head === 'mean' || view.towers.head > heads ? 'mean' : view.towers.head;
  const rolled = view.towers.view === 'rollout';
  const figure = document.querySelector('[data-testid=attention-figure]');
  const slider = $('attention-layer');
  fitShape(figure, grid, heads);
  slider.max = String(layers);
  slider.value = String(layer);
  slider.setAttribute('aria-valuetext', `layer ${layer} of ${layers}`);
  $('attention-layer-out').textContent = `${layer} of ${layers}`;
  $('attention-head').value = String(head);
  $('attention-head').disabled = rolled;  // the rollout averages the heads
  $('attention-rollout').checked = rolled;
  const shownHead = rolled ? 'mean' : head;
  const key = `${view.modelRoot}\n${view.photo.id}\n${layer}\n${shownHead}\n${rolled}`;
  if (figure.dataset.key === key) return;
  const data = towersFor(view.snap, view.photo, redraw, view.modelRoot);
  const firstPaint = figure.dataset.key === undefined && figure.dataset.photo === view.photo.id
    && layer === layers && shownHead === 'mean' && !rolled && !view.modelRoot;
  if (!data) {
    if (firstPaint) return;  // the build's map is this view's
    figure.dataset.state = view.snap.photos.some((p) => p.id === view.photo.id) ? 'loading' : 'none';
    $('attention-summary').textContent = figure.dataset.state === 'none'
      ? 'This figure shows the built-in photos only: live mode gave no attention within its bound for your photo.'
      : LOADING;
    return;
  }
  const map = attentionView({ ...data, tokens: 1 + grid * grid }, grid, layer, shownHead,
    rolled ? 'rollout' : 'attention', layers);
  const rects = figure.querySelectorAll('#attention-cells rect');
  map.cells.forEach((c, k) => {
    rects[k].setAttribute('fill-opacity', c.cover);
    rects[k].dataset.value = String(c.value);
  });
  showSquare(view.photo, view.modelRoot);
  Object.assign(figure.dataset, { key, state: 'ready', model: view.model.shown?.id ?? '', photo: view.photo.id,
    layer: String(layer),
    head: String(shownHead), view: rolled ? 'rollout' : 'attention' });
  $('attention-summary').textContent = map.summary;
}

export const figure = {
  name: 'attention', near: ['attention'], reads: ['model', 'modelRoot', 'photo', 'snap', 'towers'], init, update,
  towersFor,
};
