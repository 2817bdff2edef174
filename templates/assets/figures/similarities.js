// The similarity bars and their table: they change with the photo, the template and the labels, not
// with the temperature.
import { setChart } from '../charts.js';
import { $, fillTable } from '../dom.js';

let shown = null;  // the scored view (photo, template, labels) last drawn

export function update(view) {
  if (view.scored === shown) return;
  shown = view.scored;
  $('similarities-limit').textContent = view.limitNote;
  setChart('similarities', view.rows);
  fillTable('similarities-table', view.labels.map((label, i) => [label, view.sims[i].toFixed(4)]));
}
