// The two embeddings drawn as bars: the chosen photo's, and the first label's under the chosen template.
// Each table of values (model.dim rows) is built only while its <details> is open: the no-JS reader has
// the build's table in a <noscript>, and a closed table costs the page no elements and no work.
import { changed } from '../ui/changed.js';
import { setChart } from '../ui/charts.js';
import { $, cell, fillTable } from '../ui/dom.js';
import { vectorRows } from '../rules/rows.js';
import { vectorCells, vectorSummary } from '../rules/sentences.js';

const freshImage = changed();
const freshText = changed();
const vectors = new Map();  // chart name -> the vector shown
const tabled = new Map();   // chart name -> the vector its table holds

/** The table of the vector shown, if its <details> is open; made on the first opening. */
function fillTableIfOpen(name) {
  const details = $(`${name}-details`);
  if (!details?.open || tabled.get(name) === vectors.get(name)) return;
  if (!$(`${name}-table`)) {
    const table = document.createElement('table');
    table.className = 'vector-table';
    table.id = `${name}-table`;
    const head = document.createElement('tr');
    head.append(cell('th', 'dimension'), cell('th', 'value'));
    head.querySelectorAll('th').forEach((th) => { th.scope = 'col'; });
    table.createTHead().append(head);
    table.createTBody();
    details.append(table);
  }
  const vector = vectors.get(name);
  fillTable(`${name}-table`, vectorCells(vector));
  tabled.set(name, vector);
}

function show(name, vector, summary) {
  if (!vectors.has(name)) $(`${name}-details`)?.addEventListener('toggle', () => fillTableIfOpen(name));
  vectors.set(name, vector);
  setChart(name, vectorRows(vector));
  fillTableIfOpen(name);
  $(`${name}-summary`).textContent = summary;
}

export function update(view) {
  if (freshImage(view.photo.id)) {
    show('image-vector', view.image, view.photo.title);
  }
  const first = view.labels[0];
  const key = `${view.template.id}\n${first}`;
  if (freshText(key)) {
    show('text-vector', view.vector(first), vectorSummary(first, view.template, view.snap.ensemble_size));
  }
}

export const figure = {
  name: 'vectors', near: ['image-vector-figure', 'text-vector-figure'],
  reads: ['image', 'labels', 'photo', 'snap', 'template', 'vector'],
  init() {}, update,
};
