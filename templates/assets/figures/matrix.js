// Every photo against every label (the figure of OpenAI's CLIP notebook), as similarities or as each
// photo's softmax. Clicking a photo's cell (its row; on a narrow screen, where the chart is transposed, its
// column), or its button in the table, selects that photo.
import { similarities, softmax } from '../rules/clipmath.js';
import { changed } from '../ui/changed.js';
import { onChart, setChart } from '../ui/charts.js';
import { $, actionButton, cell, rowHeader } from '../ui/dom.js';
import { matrixRows, matrixShown } from '../rules/rows.js';
import { matrixReading } from '../rules/sentences.js';

const fresh = changed();
let view = null;  // the last view drawn, for the chart's click handler

/** act.choosePhoto(id); act.setMeasure('similarity' | 'probability'): the store's actions, bound. */
export function init({ act: actions }) {
  for (const radio of document.querySelectorAll('input[name="matrix-measure"]')) {
    radio.addEventListener('change', () => actions.setMeasure(radio.value));
  }
  onChart('matrix', (chart) => chart.addEventListener('click', (event, item) => {
    const order = item?.datum?.photo_order;
    if (order !== undefined) actions.choosePhoto(view.photos[order].id);
  }));
}

export function update(next) {
  view = next;
  const m = view.measure;
  const key = `${m}\n${m === 'probability' ? view.tau : ''}\n${view.photo.id}\n${view.scored}`;
  if (!fresh(key)) return;  // nothing this figure shows has changed
  for (const radio of document.querySelectorAll('input[name="matrix-measure"]')) radio.checked = radio.value === m;
  const vectors = view.rows.map((row) => view.vector(row.label));
  const values = view.images.map((image) => {
    const sims = similarities(image, vectors);
    return m === 'similarity' ? sims : softmax(sims, view.tau);
  });
  const table = $('matrix-table');
  const head = document.createElement('tr');
  head.append(cell('th', 'photo'), ...view.rows.map((row) => cell('th', row.label)));
  head.querySelectorAll('th').forEach((th, i) => {
    th.scope = 'col';
    if (i > 0) th.dataset.label = view.rows[i - 1].label;  // a label's column (hover.js highlights it)
  });
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...view.photos.map((photo, p) => {
    const tr = document.createElement('tr');
    const th = rowHeader('');
    const choose = () => view.act.choosePhoto(photo.id);
    th.append(actionButton(photo.title, `Select the photo ${photo.title}`, false, choose));
    if (p === view.photoIndex) tr.setAttribute('aria-current', 'true');
    tr.append(th, ...values[p].map((v) => {
      const td = cell('td', matrixShown(v, m), 'num');
      td.dataset.value = String(v);
      return td;
    }));
    return tr;
  }));
  $('matrix-limit').textContent = view.limitNote;
  $('matrix-reading').textContent = matrixReading(view.photos.map((photo) => photo.title), values, m);
  setChart('matrix', matrixRows(view.photos.map((photo) => photo.title), view.rows, values, view.photoIndex, m));
}

export const figure = {
  name: 'matrix', near: ['matrix'],
  reads: ['act', 'images', 'limitNote', 'measure', 'photo', 'photoIndex', 'photos', 'rows', 'scored', 'tau', 'vector'],
  init, update,
};
