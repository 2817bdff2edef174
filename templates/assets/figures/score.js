// What a score means: the chosen photo's cosines with every vocabulary label under the chosen template (one file
// per photo and template, data/scores/<template>/<photo>.json, fetched when the figure comes near), the page's
// labels placed among them (their percentile) and against the empty prompt; with the space centred, the same
// from the centred cosines the file also holds. Every number is rules/scores.js's,
// the first paint's too.
import { $, cell, rowHeader } from '../ui/dom.js';
import { changed } from '../ui/changed.js';
import { scoreView } from '../rules/scores.js';

const SVG = 'http://www.w3.org/2000/svg';
const fresh = changed();
const files = new Map();  // file path -> its record, or the promise of it
let latest = null;

function init() {}

function fileOf(view) {
  return $('score').dataset.file.replace('{template}', view.template.id).replace('{photo}', view.photo.id);
}

function fetchScores(path) {
  files.set(path, fetch(path).then((response) => {
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  }).then((record) => {
    files.set(path, record);
    if (latest) update(latest);
  }, () => files.delete(path)));  // asked again with the next view
}

export function update(view) {
  latest = view;
  const root = $('score');
  if (!view.snap.photos.some((photo) => photo.id === view.photo.id)) {  // a reader's own photo: no vocabulary file
    root.dataset.paused = 'own';
    $('score-reading').textContent = 'Your own photo has no precomputed cosines with the whole vocabulary, and '
      + 'this page does not download the vocabulary’s vectors (several megabytes per template): choose one of the '
      + 'built-in photos to see where its labels fall.';
    return;
  }
  const path = fileOf(view);
  if (!files.has(path)) fetchScores(path);
  const stored = files.get(path);
  if (!stored || stored instanceof Promise) return;
  // centred: the vocabulary's cosines and the baseline's with the space centred, stored beside the trained ones
  const record = view.centred ? { ...stored, ...stored.centred } : stored;
  if (!fresh(`${path}\n${view.scored}`)) return;
  draw(root, view, scoreView(record, view.labels, view.sims));
}

function svg(tag, attributes) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

function draw(root, view, s) {
  delete root.dataset.paused;
  Object.assign(root.dataset, { photo: view.photo.id, template: view.template.id, baseline: String(s.baseline) });
  const chart = $('score-chart');
  chart.querySelector('.score-bars').replaceChildren(...s.bars.map((bar) => svg('rect', bar)));
  chart.querySelector('.score-marks').replaceChildren(...s.rows.map((row) => {
    const line = svg('line', { x1: row.x, x2: row.x, y1: 0, y2: s.box.height - 10 });
    line.dataset.label = row.label;
    return line;
  }));
  const base = chart.querySelector('.score-baseline');
  base.setAttribute('x1', String(s.baselineX));
  base.setAttribute('x2', String(s.baselineX));
  $('score-reading').textContent = s.sentence;
  $('score-table').tBodies[0].replaceChildren(...s.rows.map((row) => {
    const tr = document.createElement('tr');
    Object.assign(tr.dataset, { label: row.label, cosine: String(row.cosine), percentile: String(row.percentile),
                                aboveBaseline: String(row.above) });
    tr.append(rowHeader(row.label), cell('td', row.text.cosine, 'num'), cell('td', row.text.percentile, 'num'),
              cell('td', row.text.above, 'num'));
    return tr;
  }));
}

export const figure = {
  name: 'score', near: ['score'], reads: ['centred', 'labels', 'photo', 'scored', 'sims', 'snap', 'template'],
  init, update,
};
