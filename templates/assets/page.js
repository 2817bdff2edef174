// Wires the page's controls to the numbers and charts. All the maths is in clipmath.js.
// Reader input is only ever placed with textContent or as attribute values, never as HTML.
import { argmax, decodeFloat16, entropy, rows, similarities, softmax } from './clipmath.js';
import { expressionInterpreter } from '../vendor/vega-interpreter.js';

const snap = JSON.parse(document.getElementById('snapshot').textContent);
const DIM = snap.model.dim;
const $ = (id) => document.getElementById(id);

// ---- vectors -------------------------------------------------------------------------------
const imageVectors = rows(decodeFloat16(snap.vectors.image), DIM);          // one (512,) per photo
const textVectors = new Map();                                              // template -> label -> (512,)
for (const template of snap.templates) {
  const vectors = rows(decodeFloat16(snap.vectors.text[template.id]), DIM);
  textVectors.set(template.id, new Map(snap.default.labels.map((label, i) => [label, vectors[i]])));
}

// ---- the view --------------------------------------------------------------------------------
const state = {
  photo: snap.default.photo,
  template: snap.default.template,
  labels: [...snap.default.labels],
  tauIndex: snap.default.tau_index,
};
const photoIndex = () => snap.photos.findIndex((p) => p.id === state.photo);
const vectorFor = (label) => textVectors.get(state.template).get(label);

// ---- the vocabulary, loaded on first use -------------------------------------------------------
const vocabulary = { labels: null, byLower: null, loading: null, vectorLoads: new Map() };

function loadVocabulary() {
  vocabulary.loading ??= fetchJson(snap.vocabulary.labels).then((data) => {
    vocabulary.labels = data.labels;
    vocabulary.byLower = new Map(data.labels.map((label) => [label.toLowerCase(), label]));
  }).catch((error) => { vocabulary.loading = null; throw error; });
  return vocabulary.loading;
}

function loadTemplateVectors(templateId) {
  if (!vocabulary.vectorLoads.has(templateId)) {
    const url = snap.vocabulary.vectors.replace('{template}', encodeURIComponent(templateId));
    const load = Promise.all([loadVocabulary(), fetchJson(url)]).then(([, data]) => {
      const vectors = rows(decodeFloat16(data.vectors), DIM);
      const map = textVectors.get(templateId);
      vocabulary.labels.forEach((label, i) => { if (!map.has(label)) map.set(label, vectors[i]); });
    }).catch((error) => { vocabulary.vectorLoads.delete(templateId); throw error; });
    vocabulary.vectorLoads.set(templateId, load);
  }
  return vocabulary.vectorLoads.get(templateId);
}

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return response.json();
}

// ---- charts (Vega, compiled at build time; expressions interpreted, so no eval under the CSP) -----
const views = new Map();
async function setChart(name, values) {
  if (!views.has(name)) {
    const container = document.querySelector(`[data-chart="${name}"]`);
    if (!container || !globalThis.vega) return;
    const runtime = vega.parse(snap.charts[name], null, { ast: true });
    views.set(name, new vega.View(runtime, { expr: expressionInterpreter, renderer: 'canvas', container, hover: true }));
  }
  await views.get(name).data('values', values).runAsync();
}

const vectorRows = (vector) => Array.from(vector, (value, dim) => ({ dim, value }));

function fillVectorTable(id, vector) {
  const body = $(id)?.querySelector('tbody');
  if (!body) return;
  body.replaceChildren(...Array.from(vector, (value, dim) => {
    const tr = document.createElement('tr');
    tr.append(cell('td', String(dim)), cell('td', value.toFixed(4)));
    return tr;
  }));
}

function cell(tag, text, className) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (className) el.className = className;
  return el;
}

// ---- recompute and redraw everything that depends on the view ------------------------------------
let shownPhoto = null;
let shownText = null;

function update() {
  const missing = state.labels.filter((label) => !vectorFor(label));
  if (missing.length) {
    status(`Loading vectors for the “${snap.templates.find((t) => t.id === state.template).text}” template…`);
    loadTemplateVectors(state.template).then(() => { status(''); update(); },
      (error) => status(`Could not load the vectors for this template (${error.message}).`, retryButton()));
    return;
  }
  const start = performance.now();
  const photo = snap.photos[photoIndex()];
  const image = imageVectors[photoIndex()];
  const tau = snap.temperatures[state.tauIndex];
  const sims = similarities(image, state.labels.map(vectorFor));
  const probs = softmax(sims, tau);
  const top = argmax(probs);
  const elapsed = performance.now() - start;

  renderRows(sims, probs);
  $('top-label').textContent = state.labels[top];
  $('top-probability').textContent = `${(100 * probs[top]).toFixed(1)}%`;
  $('entropy').textContent = entropy(probs).toFixed(3);
  $('tau-value').textContent = threeDigits(tau);
  $('tau-inverse').textContent = threeDigits(1 / tau);
  $('tau-slider').setAttribute('aria-valuetext', `tau ${threeDigits(tau)}`);
  $('recompute-ms').textContent = `${elapsed.toFixed(2)} ms for ${state.labels.length} labels`;

  if (shownPhoto !== state.photo) {
    shownPhoto = state.photo;
    showPhoto(photo);
    setChart('image-vector', vectorRows(image));
    fillVectorTable('image-vector-table', image);
    $('image-vector-summary').textContent = photo.title;
  }
  const first = `${state.template}\n${state.labels[0]}`;
  if (shownText !== first) {
    shownText = first;
    const vector = vectorFor(state.labels[0]);
    setChart('text-vector', vectorRows(vector));
    fillVectorTable('text-vector-table', vector);
    $('text-vector-summary').textContent = `“${fillTemplate(state.labels[0])}”`;
  }
  $('similarities-table').tBodies[0].replaceChildren(...state.labels.map((label, i) => {
    const tr = document.createElement('tr');
    const name = cell('th', label);
    name.scope = 'row';
    tr.append(name, cell('td', sims[i].toFixed(4), 'num'));
    return tr;
  }));
  const labelRows = state.labels.map((label, i) => ({ label, similarity: sims[i], probability: probs[i] }));
  setChart('similarities', labelRows);
  setChart('probabilities', labelRows);
}

const threeDigits = (x) => String(Number(x.toPrecision(3)));  // 0.0126, 79.4, 100

function fillTemplate(label) {
  const template = snap.templates.find((t) => t.id === state.template);
  return template.ensemble ? `${label}, averaged over ${snap.ensemble_size} templates` : template.text.replace('{label}', label);
}

function showPhoto(photo) {
  const img = $('current-photo');
  img.srcset = photo.srcset;
  img.src = photo.src;
  img.width = photo.width;
  img.height = photo.height;
  img.alt = photo.alt;
  $('photo-title').textContent = photo.title;
  $('photo-credit').textContent = `${photo.credit}, ${photo.licence}`;
  $('embed-ms').textContent = String(photo.embed_ms);
}

function renderRows(sims, probs) {
  const body = $('label-rows');
  body.replaceChildren(...state.labels.map((label, i) => {
    const tr = document.createElement('tr');
    tr.dataset.label = label;
    tr.dataset.sim = sims[i].toFixed(6);
    tr.dataset.prob = probs[i].toFixed(6);
    const name = cell('th', label);
    name.scope = 'row';
    const prob = cell('td', `${(100 * probs[i]).toFixed(1)}%`, 'num');
    const bar = document.createElement('span');
    bar.className = 'prob-bar';
    bar.style.width = `${(100 * probs[i]).toFixed(1)}%`;  // CSSOM, allowed by the CSP
    prob.prepend(bar);
    const actions = document.createElement('td');
    actions.className = 'row-actions';
    actions.append(
      actionButton('↑', `Move ${label} up`, i === 0, () => move(i, -1)),
      actionButton('↓', `Move ${label} down`, i === state.labels.length - 1, () => move(i, 1)),
      actionButton('×', `Remove ${label}`, state.labels.length === 1, () => removeLabel(i)),
    );
    tr.append(name, cell('td', sims[i].toFixed(4), 'num'), prob, actions);
    return tr;
  }));
}

function actionButton(text, label, disabled, onClick) {
  const button = cell('button', text);
  button.type = 'button';
  button.setAttribute('aria-label', label);
  button.disabled = disabled;
  button.addEventListener('click', onClick);
  return button;
}

function move(i, step) {
  const j = i + step;
  [state.labels[i], state.labels[j]] = [state.labels[j], state.labels[i]];
  update();
  const [up, down] = $('label-rows').rows[j].querySelectorAll('button');  // keep focus on the moved label
  (step < 0 && !up.disabled) || down.disabled ? up.focus() : down.focus();
}

function removeLabel(i) {
  const [label] = state.labels.splice(i, 1);
  update();
  status(`Removed “${label}”.`);
  $('add-label-input').focus();
}

// ---- adding labels -----------------------------------------------------------------------------
function status(text, ...extra) {
  $('add-label-status').replaceChildren(text, ...extra);
}

function retryButton() {
  const button = actionButton('Retry', 'Retry loading', false, () => { status(''); update(); });
  return button;
}

function normalise(text) {
  return text.replace(/\s+/g, ' ').trim();
}

async function addLabel(raw) {
  const text = normalise(raw);
  if (!text) return;
  status('Loading the vocabulary…');
  try {
    await loadTemplateVectors(state.template);
  } catch (error) {
    status(`Could not load the vocabulary (${error.message}).`, retryButton());
    return;
  }
  const label = vocabulary.byLower.get(text.toLowerCase());
  if (!label) {
    const offers = closest(text, 3).map((suggestion) =>
      actionButton(suggestion, `Add ${suggestion}`, false, () => addLabel(suggestion)));
    status(`“${text.slice(0, 64)}” is not in the vocabulary.${offers.length ? ' Closest:' : ''} `, ...offers);
    return;
  }
  if (state.labels.includes(label)) {
    status(`“${label}” is already a candidate.`);
    return;
  }
  state.labels.push(label);
  $('add-label-input').value = '';
  update();
  status(`Added “${label}”.`);
}

/** Vocabulary labels nearest in spelling (edit distance), for a label that is not in it. */
function closest(text, count) {
  const query = text.toLowerCase().slice(0, 64);
  return vocabulary.labels
    .map((label) => [editDistance(query, label.toLowerCase()), label])
    .sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]))
    .slice(0, count)
    .map(([, label]) => label);
}

function editDistance(a, b) {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

// ---- controls ------------------------------------------------------------------------------------
for (const radio of document.querySelectorAll('input[name="photo"]')) {
  radio.addEventListener('change', () => { state.photo = radio.value; update(); });
}
$('template-select').addEventListener('change', (event) => { state.template = event.target.value; update(); });
$('tau-slider').addEventListener('input', (event) => { state.tauIndex = Number(event.target.value); update(); });
$('add-label-form').addEventListener('submit', (event) => { event.preventDefault(); addLabel($('add-label-input').value); });
$('add-label-input').addEventListener('focus', () => { loadTemplateVectors(state.template).catch(() => {}); }, { once: true });

update();
document.body.dataset.ready = 'true';
performance.mark('controls-ready');
