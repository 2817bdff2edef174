// Every template at once: how much the wording of the prompt moves the answer, for the chosen photo and
// temperature. Added labels join once their vectors are loaded under every template (on request).
import { argmax, similarities, softmax } from '../clipmath.js';
import { setChart } from '../charts.js';
import { $, cell, rowHeader } from '../dom.js';
import { templateRows } from '../rows.js';

let shown = null;

/** actions.loadAllTemplates() -> promise: fetch every template's vectors, then redraw. */
export function init(actions) {
  $('templates-load-button').addEventListener('click', async () => {
    $('templates-note').textContent = 'Loading the vectors of every template…';
    try {
      await actions.loadAllTemplates();
    } catch (error) {
      $('templates-note').textContent = `Could not load the vectors (${error.message}); try again.`;
    }
  });
}

export function update(view) {
  const { snap } = view;
  // the labels whose vectors are loaded under every template (the defaults always are)
  const labels = view.labels.filter((label) => snap.templates.every((t) => view.vector(label, t.id)));
  const key = `${view.photo.id}\n${view.tau}\n${view.template.id}\n${labels.join('\n')}\n${view.labels.length}`;
  if (key === shown) return;
  shown = key;
  const missing = view.labels.length - labels.length;
  $('templates-load').hidden = missing === 0;
  $('templates-note').textContent = missing ? `${missing} added label${missing > 1 ? 's are' : ' is'} left out until the other templates' vectors are loaded.` : '';
  const probs = snap.templates.map((t) => softmax(similarities(view.image, labels.map((l) => view.vector(l, t.id))), view.tau));
  const names = snap.templates.map((t) => (t.ensemble ? `ensemble of ${snap.ensemble_size}` : t.text));
  const rows = templateRows(names, labels, probs);
  const lines = [];  // rows come label by label, one cell per template
  for (let i = 0; i < rows.length; i += names.length) lines.push(rows.slice(i, i + names.length));
  $('templates-table').tBodies[0].replaceChildren(...lines.map((cells) => {
    const tr = document.createElement('tr');
    tr.append(rowHeader(cells[0].label), ...cells.map((row) => {
      const td = cell('td', row.shown, 'num');
      td.dataset.value = String(row.value);
      return td;
    }));
    return tr;
  }));
  setChart('templates', rows);
  const top = argmax(probs[snap.templates.indexOf(view.template)]);
  const column = probs.map((p) => p[top]);
  const best = argmax(column);
  const worst = argmax(column.map((p) => -p));
  const pct = (p) => (100 * p).toFixed(1);
  $('template-verdict').textContent = `For the top label “${labels[top]}”, the best template is “${names[best]}” (${pct(column[best])}%) and the worst is “${names[worst]}” (${pct(column[worst])}%): a difference of ${pct(column[best] - column[worst])} percentage points.`;
}
