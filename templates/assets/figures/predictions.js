// The label bars and the top-label card. The probabilities follow every change, the temperature included;
// the similarities (bars and table) only the photo, the template and the labels.
import { setChart } from '../ui/charts.js';
import { changed } from '../ui/changed.js';
import { $, fillTable, percent } from '../ui/dom.js';

const fresh = changed();  // the scored view (photo, template, labels) whose similarities are drawn

export function update(view) {
  if ($('top-label')) {  // the core article's; a deep-dive page has neither figure
    $('top-label').textContent = view.labels[view.top];
    $('top-probability').textContent = percent(view.probs[view.top]);
    $('entropy').textContent = view.entropy.toFixed(3);
    $('probabilities-limit').textContent = view.limitNote;
    setChart('probabilities', view.rows);
  }
  if (!$('similarities-limit') || !fresh(view.scored)) return;
  $('similarities-limit').textContent = view.limitNote;
  setChart('similarities', view.rows);
  fillTable('similarities-table', view.labels.map((label, i) => [label, view.sims[i].toFixed(4)]));
}

export const figure = {
  name: 'predictions', near: [],
  reads: ['entropy', 'labels', 'limitNote', 'probs', 'rows', 'scored', 'sims', 'top'],
  init() {}, update,
};
