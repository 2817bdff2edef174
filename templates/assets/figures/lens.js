// The logit lens: after each layer of the image tower, the class token through the tower's last layer norm and
// projection (data/towers/<photo>.json, fetched through the attention figure's towersFor), compared with every
// candidate label on the page under the chosen template at the chosen temperature, by clipmath.js's similarities
// and softmax (rules/towers.js lensRows): any label works, added or live, since its vector is the page's. The last
// layer's vector is the photo's image vector, so its points are the probabilities figure's numbers. A further model
// shown (issue 36): its own towers file (under view.modelRoot), its layers and dimension (view.snap is that model's).
import { $, cell, rowHeader } from '../ui/dom.js';
import { layerX, lensPlot, lensRows, lensSummary, lensTable, seriesClass } from '../rules/towers.js';
import { rows as split } from '../rules/clipmath.js';

const NS = 'http://www.w3.org/2000/svg';
let borrowed = null;  // the attention figure's towersFor
let latest = null;
let measure = 'prob';

function init({ figures }) {
  borrowed = figures.attention.towersFor;
  $('lens-values').addEventListener('toggle', () => { if (latest) draw(latest, true); });  // built when opened
  $('lens-measure').addEventListener('change', (e) => {
    measure = e.target.value;
    if (latest) draw(latest, true);
  });
}

const redraw = () => { if (latest) draw(latest, true); };  // one function, however often the view changes

function svg(tag, attributes) {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, String(value));
  return el;
}

export function update(view) {
  latest = view;
  draw(view, false);
}

function draw(view, force) {
  const figure = document.querySelector('[data-testid=lens-figure]');
  const { layers } = view.snap.towers;
  const box = $('lens-chart').viewBox.baseVal;
  const marked = String(layerX(Math.min(view.towers.layer ?? layers, layers), layers, box.width));
  $('lens-layer').setAttribute('x1', marked);  // the attention figure's layer
  $('lens-layer').setAttribute('x2', marked);
  const key = `${view.scored}\n${view.tau}\n${measure}`;
  if (!force && figure.dataset.key === key) return;
  const data = borrowed(view.snap, view.photo, redraw, view.modelRoot);
  const firstPaint = figure.dataset.key === undefined && measure === 'prob' && figure.dataset.photo === view.photo.id
    && !view.modelRoot
    && view.template.id === view.snap.default.template && view.tauIndex === view.snap.default.tau_index
    && view.labels.join('\n') === view.snap.default.labels.join('\n');
  if (!data) {
    if (firstPaint) return;  // the build's chart is this view's
    const own = !view.snap.photos.some((p) => p.id === view.photo.id);
    figure.dataset.state = own ? 'none' : 'loading';
    $('lens-summary').textContent = own
      ? 'This figure shows the built-in photos only: live mode gave no lens within its bound for your photo.'
      : 'Loading the lens of this photo…';
    return;
  }
  const lens = split(data.lens, view.snap.model.dim);                     // L rows (dim,)
  const texts = view.labels.map((label) => view.vector(label));
  const rows = lensRows(lens, texts, view.labels, view.tau);
  const plot = lensPlot(rows, layers, measure, box.width, box.height);
  $('lens-lines').replaceChildren(...view.labels.map((label, i) => {
    const line = svg('polyline', { class: `lens-line ${seriesClass(i)}`,
      points: plot.points.filter((p) => p.label === label).map((p) => `${p.x},${p.y}`).join(' ') });
    line.dataset.series = label;
    return line;
  }));
  $('lens-points').replaceChildren(...plot.points.map((p) => {
    const dot = svg('circle', { class: seriesClass(view.labels.indexOf(p.label)), r: 2.5, cx: p.x, cy: p.y });
    Object.assign(dot.dataset, { layer: String(p.layer), label: p.label, prob: String(p.prob),
      cosine: String(p.cosine) });
    return dot;
  }));
  [$('lens-low').textContent, $('lens-high').textContent] = plot.ticks;
  $('lens-keys').replaceChildren(...view.labels.map((label, i) => cell('li', label, seriesClass(i))));
  if ($('lens-values').open) fillTable(lensTable(rows, view.labels, layers, measure), view.labels);
  Object.assign(figure.dataset, { key, state: 'ready', model: view.model.shown?.id ?? '', photo: view.photo.id,
    measure });
  $('lens-summary').textContent = lensSummary(rows, layers);
}

/** The values' table (open only: a table per layer and label is many elements). */
function fillTable(table, labels) {
  const head = document.createElement('tr');
  head.append(cell('th', 'after'), ...labels.map((label) => cell('th', label)));
  $('lens-table').tHead.replaceChildren(head);
  $('lens-table').tBodies[0].replaceChildren(...table.map(([layer, ...values]) => {
    const tr = document.createElement('tr');
    tr.append(rowHeader(layer), ...values.map((v) => cell('td', v, 'num')));
    return tr;
  }));
}

export const figure = {
  name: 'lens', near: ['lens'], reads: ['labels', 'model', 'modelRoot', 'photo', 'scored', 'snap', 'tau', 'tauIndex',
    'template', 'towers', 'vector'], init, update,
};
