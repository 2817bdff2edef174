// What a score means: the chosen photo's cosines with every vocabulary label under the chosen template (one file
// per photo and template, data/scores/<template>/<photo>.json, fetched when the figure comes near), the page's
// labels placed among them (their percentile) and against the empty prompt; with the space centred, the same
// from the centred cosines the file also holds. Every number is rules/scores.js's,
// the first paint's too. A further model shown (issue 36): its own file, the same path under its data root
// (view.modelRoot); the reader's own photo is the default model's alone, and so is its vocabulary's download.
import { $, cell, rowHeader } from '../ui/dom.js';
import { changed } from '../ui/changed.js';
import { downloadOffer, ownNote, ownScores, scoreView } from '../rules/scores.js';
import { decodeFloat16 } from '../rules/clipmath.js';
import { dataFiles, loaded } from '../ui/datafiles.js';

const SVG = 'http://www.w3.org/2000/svg';
const fresh = changed();
const files = dataFiles();  // file path -> its record
let latest = null;
const redraw = () => latest && update(latest);

function init() {}

function fileOf(view) {
  const path = $('score').dataset.file.replace('{template}', view.template.id).replace('{photo}', view.photo.id);
  return view.modelRoot + path;  // the model on screen's file
}

export function update(view) {
  latest = view;
  const root = $('score');
  if (!view.snap.photos.some((photo) => photo.id === view.photo.id)) {  // a reader's own photo
    ownPhoto(root, view);
    return;
  }
  $('score-own').hidden = true;
  delete root.dataset.errorBound;
  const path = fileOf(view);
  const stored = loaded(files(path, (record) => record, redraw));
  if (!stored) return;
  // centred: the vocabulary's cosines and the baseline's with the space centred, stored beside the trained ones
  const record = view.centred ? { ...stored, ...stored.centred } : stored;
  if (!fresh(`${path}\n${view.scored}`)) return;
  draw(root, view, scoreView(record, view.labels, view.sims));
}

// The reader's own photo: no file holds its cosines. On a click (never before), the template's vocabulary vectors
// (explainer/vocabvectors.py, data/vocab-vectors/) are downloaded and the cosines computed here (rules/scores.js
// ownScores), with the space centred by the same means as the built-in photos when the switch is on.
const vocabularies = new Map();  // template id -> { header, scales, values }, 'loading' or 'failed'
let computed = { key: null, scores: null };

function ownPhoto(root, view) {
  const offer = $('score-own');
  const button = $('score-own-download');
  const vectors = vocabularies.get(view.template.id);
  if (!view.image || !vectors || typeof vectors === 'string') {
    fresh(null);  // what the figure shows is no longer a drawing
    root.dataset.paused = 'own';
    delete root.dataset.errorBound;
    $('score-reading').textContent = !view.image ? 'Your own photo has no precomputed cosines with the whole '
      + 'vocabulary, and this page does not download the vocabulary’s vectors (several megabytes per template): '
      + 'choose one of the built-in photos to see where its labels fall.'
      : 'Your own photo has no precomputed cosines with the whole vocabulary: this page can compute them here from '
      + 'the vocabulary’s vectors under this template, downloaded only if you ask.';
    offer.hidden = !view.image;
    $('score-own-note').textContent = vectors === 'failed' ? 'The download failed; try again.' : '';
    const bytes = JSON.parse(root.dataset.vectorsBytes)[view.template.id];
    button.hidden = false;
    button.disabled = vectors === 'loading';
    button.textContent = downloadOffer(bytes, vectors === 'loading');
    button.onclick = () => download(view.template.id);
    return;
  }
  const mean = view.centred ? view.centre.means.text.get(view.template.id) : null;
  const key = `${view.photo.id}\n${view.template.id}\n${view.centred}`;
  if (computed.key !== key) computed = { key, scores: ownScores(vectors, view.image, vectors.baseline, mean) };
  if (!fresh(`own\n${view.scored}`)) return;
  const { header } = vectors;
  draw(root, view, scoreView({ ...computed.scores, baseline_text: header.baseline_text }, view.labels, view.sims));
  offer.hidden = false;
  button.hidden = true;
  $('score-own-note').textContent = ownNote(header, view.centred);
  root.dataset.errorBound = String(view.centred ? header.max_cosine_error_centred : header.max_cosine_error);
}

function download(templateId) {
  if (![undefined, 'failed'].includes(vocabularies.get(templateId))) return;  // loaded, or on its way
  const root = $('score');
  vocabularies.set(templateId, 'loading');
  redraw();
  const path = (file) => root.dataset[file].replace('{template}', templateId);
  const got = (response) => {
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response;
  };
  Promise.all([fetch(path('vectorsHeader')).then(got).then((r) => r.json()),
               fetch(path('vectorsFile')).then(got).then((r) => r.arrayBuffer())]).then(([header, bytes]) => {
    const scales = new Float32Array(bytes, 0, header.count);  // the file's layout: explainer/vocabvectors.py
    const values = new Int8Array(bytes, 4 * header.count, header.count * header.dim);
    vocabularies.set(templateId, { header, scales, values, baseline: decodeFloat16(header.baseline) });
  }, () => vocabularies.set(templateId, 'failed')).then(redraw);
}

function svg(tag, attributes) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

function draw(root, view, s) {
  delete root.dataset.paused;
  Object.assign(root.dataset, { photo: view.photo.id, template: view.template.id, baseline: String(s.baseline),
                                model: view.model.shown?.id ?? '' });  // the model whose numbers these are
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
  name: 'score', near: ['score'],
  reads: ['centre', 'centred', 'image', 'labels', 'model', 'modelRoot', 'photo', 'scored', 'sims', 'snap', 'template'],
  init, update,
};
