// The modality gap: photos and label texts projected on the two principal directions the build found
// (mean and components in the snapshot); the faint vocabulary cloud joins once figures.json is loaded. A further
// model shown (issue 36): its own basis (model.json's gap, through view.snap) and its own figures.json's cloud.
import { decodeFloat16, dot, rows as split } from '../rules/clipmath.js';
import { changed } from '../ui/changed.js';
import { onChart, setChart } from '../ui/charts.js';
import { placeGapLabels } from '../rules/gaplabels.js';
import { GAP_HEIGHT } from '../rules/layout.js';
import { $, cell, rowHeader } from '../ui/dom.js';
import { figuresOf } from '../ui/figuresfile.js';
import { gapCells, gapSummary } from '../rules/sentences.js';

const bases = new Map();  // data root -> { project, imagePoints }, made on the model's first update
let latest = null;
const redraw = () => latest && update(latest);
const fresh = changed();
let drawn = null;     // the last rows, before their names are placed
let plotWidth = null; // the live chart's plot width, px, once Vega has laid it out

// The names are placed in the chart's pixels, so the rows depend on the plot width: an estimate first, then
// the width Vega computes (and again on every resize); placing names changes no width, so this settles.
function draw() {
  const container = document.querySelector('[data-chart="gap"]');
  const width = plotWidth ?? Math.max(120, (container?.clientWidth ?? 640) - 40);
  setChart('gap', placeGapLabels(drawn, width, GAP_HEIGHT));
}

onChart('gap', (vgView) => {
  vgView.addSignalListener('width', (_, width) => {
    if (width === plotWidth || !(width > 0)) return;
    plotWidth = width;
    if (drawn) draw();
  });
});

function makeBasis(view) {
  const mean = decodeFloat16(view.snap.gap.mean);                                       // (dim,)
  const components = split(decodeFloat16(view.snap.gap.components), view.snap.model.dim);  // two (dim,)
  const project = (v) => components.map((c) => dot(v, c) - dot(mean, c));              // (v - mean) . c
  return { project, imagePoints: view.images.map(project) };
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
const pairs = (list) => list.flatMap((a, i) => list.filter((_, j) => j !== i).map((b) => dot(a, b)));

export function update(view) {
  latest = view;
  const figures = figuresOf(view, redraw);  // the model on screen's cloud
  const key = `${view.scored}\n${figures.cloud.length}`;
  if (!fresh(key)) return;
  if (!bases.has(view.modelRoot)) bases.set(view.modelRoot, makeBasis(view));
  const basis = bases.get(view.modelRoot);
  basis.imagePoints = view.images.map(basis.project);  // the reader's own photo (live mode) may have joined
  const texts = view.rows.map((row) => view.vector(row.label));
  const points = [
    ...view.photos.map((photo, p) => ({ kind: 'photo', name: photo.title, x: basis.imagePoints[p][0],
      y: basis.imagePoints[p][1], chosen: p === view.photoIndex })),  // the chosen photo is ringed
    ...view.rows.map((row, i) => {
      const [x, y] = basis.project(texts[i]);
      return { kind: 'label', name: row.label, order: row.order, x, y };
    }),
  ];
  drawn = [...figures.cloud, ...points];
  Object.assign($('gap-table').dataset, { model: view.model.shown?.id ?? '', cloud: String(figures.cloud.length) });
  draw();
  $('gap-table').tBodies[0].replaceChildren(...gapCells(points).map(([name, kind, x, y], i) => {
    const tr = document.createElement('tr');
    tr.dataset.x = String(points[i].x);
    tr.dataset.y = String(points[i].y);
    if (points[i].chosen) tr.dataset.chosen = 'true';
    if (points[i].kind === 'label') tr.dataset.label = name;  // hover.js highlights the label's row
    tr.append(rowHeader(name), cell('td', kind), cell('td', x, 'num'), cell('td', y, 'num'));
    return tr;
  }));
  const between = view.images.flatMap((image) => texts.map((text) => dot(image, text)));
  $('gap-summary').textContent = gapSummary(mean(pairs(view.images)), mean(pairs(texts)), mean(between));
}

export const figure = {
  name: 'gap', near: ['gap'],
  reads: ['figures', 'images', 'model', 'modelRoot', 'photoIndex', 'photos', 'rows', 'scored', 'snap', 'vector'],
  init() {}, update,
};
