// Every template at once: how much the wording of the prompt moves the answer, for the chosen photo and
// temperature. An added label's file brings its vectors under every template, so every scored label is here.
import { similarities, softmax } from '../rules/clipmath.js';
import { setChart } from '../ui/charts.js';
import { changed } from '../ui/changed.js';
import { $, cell, rowHeader } from '../ui/dom.js';
import { templateName } from '../rules/narrow.js';
import { templateRows } from '../rules/rows.js';
import { templateVerdict } from '../rules/sentences.js';

const fresh = changed();

export function update(view) {
  const { snap } = view;
  const labels = view.complete;  // a live label joins once its vectors under every template are here
  const key = `${view.photo.id}\n${view.tau}\n${view.template.id}\n${labels.join('\n')}`;
  if (!fresh(key)) return;
  const probs = snap.templates.map((t) => softmax(similarities(view.image, labels.map((l) => view.vector(l, t.id))),
    view.tau));
  const names = snap.templates.map((t) => templateName(t, snap.ensemble_size));
  const rows = templateRows(names, labels, probs, undefined, snap.templates.indexOf(view.template));
  const lines = [];  // rows come label by label, one cell per template
  for (let i = 0; i < rows.length; i += names.length) lines.push(rows.slice(i, i + names.length));
  $('templates-table').tBodies[0].replaceChildren(...lines.map((cells) => {
    const tr = document.createElement('tr');
    tr.dataset.label = cells[0].label;  // hover.js highlights the label's row
    tr.append(rowHeader(cells[0].label), ...cells.map((row) => {
      const td = cell('td', row.shown, 'num');
      td.dataset.value = String(row.value);
      return td;
    }));
    return tr;
  }));
  setChart('templates', rows);
  $('template-verdict').textContent = templateVerdict(labels, names, probs, snap.templates.indexOf(view.template));
}

export const figure = {
  name: 'templates', near: ['templates'],
  reads: ['complete', 'image', 'photo', 'snap', 'tau', 'template', 'vector'],
  init() {}, update,
};
