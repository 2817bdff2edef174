// The two embeddings drawn as bars: the chosen photo's, and the first label's under the chosen template.
import { setChart } from '../charts.js';
import { $, fillTable } from '../dom.js';
import { vectorRows } from '../rows.js';

let shownImage = null;
let shownText = null;

function show(name, vector, summary) {
  setChart(name, vectorRows(vector));
  fillTable(`${name}-table`, Array.from(vector, (v, i) => [String(i), v.toFixed(4)]));
  $(`${name}-summary`).textContent = summary;
}

export function update(view) {
  if (shownImage !== view.photo.id) {
    shownImage = view.photo.id;
    show('image-vector', view.image, view.photo.title);
  }
  const first = view.labels[0];
  const key = `${view.template.id}\n${first}`;
  if (shownText !== key) {
    shownText = key;
    const { template } = view;
    const sentence = template.ensemble ? `${first}, averaged over ${view.snap.ensemble_size} templates`
      : template.text.replace('{label}', first);
    show('text-vector', view.vector(first), `“${sentence}”`);
  }
}
