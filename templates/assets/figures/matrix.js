// Every photo against every label (the figure of OpenAI's CLIP notebook), as similarities or as each
// photo's softmax. Clicking a photo's cell (its row; on a narrow screen, where the chart is transposed, its
// column), or its button in the table, selects that photo.
import { similarities, softmax } from '../clipmath.js';
import { onChart, setChart } from '../charts.js';
import { $, actionButton, cell, rowHeader } from '../dom.js';
import { matrixRows, matrixShown } from '../rows.js';

const measure = () => document.querySelector('input[name="matrix-measure"]:checked').value;
let shown = null;
let view = null;  // the last view drawn, for the chart's click handler

/** actions.selectPhoto(id); actions.refresh() redraws with the newly chosen measure. */
export function init(actions) {
  for (const radio of document.querySelectorAll('input[name="matrix-measure"]')) {
    radio.addEventListener('change', () => actions.refresh());
  }
  onChart('matrix', (chart) => chart.addEventListener('click', (event, item) => {
    const order = item?.datum?.photo_order;
    if (order !== undefined) actions.selectPhoto(view.snap.photos[order].id);
  }));
}

export function update(next) {
  view = next;
  const m = measure();
  const key = `${m}\n${m === 'probability' ? view.tau : ''}\n${view.photo.id}\n${view.scored}`;
  if (key === shown) return;  // nothing this figure shows has changed
  shown = key;
  const vectors = view.rows.map((row) => view.vector(row.label));
  const values = view.images.map((image) => {
    const sims = similarities(image, vectors);
    return m === 'similarity' ? sims : softmax(sims, view.tau);
  });
  const table = $('matrix-table');
  const head = document.createElement('tr');
  head.append(cell('th', 'photo'), ...view.rows.map((row) => cell('th', row.label)));
  head.querySelectorAll('th').forEach((th) => { th.scope = 'col'; });
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...view.snap.photos.map((photo, p) => {
    const tr = document.createElement('tr');
    const th = rowHeader('');
    th.append(actionButton(photo.title, `Select the photo ${photo.title}`, false, () => view.act.selectPhoto(photo.id)));
    if (p === view.photoIndex) tr.setAttribute('aria-current', 'true');
    tr.append(th, ...values[p].map((v) => {
      const td = cell('td', matrixShown(v, m), 'num');
      td.dataset.value = String(v);
      return td;
    }));
    return tr;
  }));
  $('matrix-limit').textContent = view.limitNote;
  setChart('matrix', matrixRows(view.snap.photos.map((photo) => photo.title), view.rows, values, view.photoIndex, m));
}
