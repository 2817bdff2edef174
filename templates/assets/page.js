// Wires the page's controls to the numbers and charts. The maths is in clipmath.js; the URL format in
// urlstate.js; vocabulary search in search.js. Reader input (typed or from the URL) is only ever placed
// with textContent or as attribute values, never parsed as HTML.
import { argmax, decodeFloat16, dot, entropy, rows, similarities, softmax } from './clipmath.js';
import { closest, suggest } from './search.js';
import { nearestIndex, parse, serialise } from './urlstate.js';
import { expressionInterpreter } from '../vendor/vega-interpreter.js';

const snap = JSON.parse(document.getElementById('snapshot').textContent);
const DIM = snap.model.dim;
const $ = (id) => document.getElementById(id);

// ---- vectors -------------------------------------------------------------------------------------
const imageVectors = rows(decodeFloat16(snap.vectors.image), DIM);          // one (512,) per photo
const textVectors = new Map();                                              // template -> label -> (512,)
for (const template of snap.templates) {
  const vectors = rows(decodeFloat16(snap.vectors.text[template.id]), DIM);
  textVectors.set(template.id, new Map(snap.default.labels.map((label, i) => [label, vectors[i]])));
}

// ---- the view --------------------------------------------------------------------------------------
const defaults = {
  photo: snap.default.photo, template: snap.default.template,
  labels: [...snap.default.labels], tauIndex: snap.default.tau_index,
};
const state = { ...defaults, labels: [...defaults.labels] };
const photoIndex = () => snap.photos.findIndex((p) => p.id === state.photo);
const vectorFor = (label) => textVectors.get(state.template).get(label);
const templateOf = (id) => snap.templates.find((t) => t.id === id);

// ---- the vocabulary, loaded when the reader first edits the labels ----------------------------------
const vocabulary = { labels: null, byLower: null, loading: null, vectorLoads: new Map() };

function loadVocabulary() {
  vocabulary.loading ??= fetchJson(snap.vocabulary.labels).then((data) => {
    vocabulary.labels = data.labels;
    vocabulary.byLower = new Map(data.labels.map((label) => [label.toLowerCase(), label]));
    vocabulary.index = new Map(data.labels.map((label, i) => [label, i]));
    Object.assign(vocabulary, { tokens: data.tokens, exceptions: data.exceptions, pieces: data.pieces });
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

// ---- charts (Vega, compiled at build time; expressions interpreted, so no eval under the CSP) --------
const views = new Map();
const pendingData = new Map();  // chart -> rows, applied together on the next frame
let pendingCharts = 0;

/** Give a chart new rows. The numbers on the page update at once; charts follow on the next frame,
 *  and several changes within one frame are drawn once. */
function setChart(name, values) {
  if (!pendingData.size) requestAnimationFrame(drawCharts);
  pendingData.set(name, values);
  document.body.dataset.charts = 'drawing';
}

function drawCharts() {
  for (const [name, values] of pendingData) {
    if (!views.has(name)) {
      const container = document.querySelector(`[data-chart="${name}"]`);
      if (!container || !globalThis.vega) continue;
      const runtime = vega.parse(snap.charts[name], null, { ast: true });
      const view = new vega.View(runtime, { expr: expressionInterpreter, renderer: 'canvas', container, hover: true });
      views.set(name, view);
      chartHooks[name]?.(view, container);
    }
    pendingCharts += 1;
    views.get(name).data('values', values).runAsync().finally(() => {
      pendingCharts -= 1;
      if (pendingCharts === 0 && !pendingData.size) document.body.dataset.charts = 'drawn';  // tests wait on this
    });
  }
  pendingData.clear();
  if (pendingCharts === 0) document.body.dataset.charts = 'drawn';  // nothing to draw (no such widget)
}

const vectorRows = (vector) => Array.from(vector, (value, dim) => ({ dim, value }));

function cell(tag, text, className) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (className) el.className = className;
  return el;
}

function rowHeader(text) {
  const th = cell('th', text);
  th.scope = 'row';
  return th;
}

function fillTable(id, pairs) {
  $(id).tBodies[0].replaceChildren(...pairs.map(([head, value]) => {
    const tr = document.createElement('tr');
    tr.append(rowHeader(head), cell('td', value, 'num'));
    return tr;
  }));
}

// ---- recompute and redraw everything that depends on the view ---------------------------------------
let shownPhoto = null;
let shownText = null;
let shownRows = null;
const CHART_LIMIT = 40;  // bars per chart; a table holds every label

function update() {
  const missing = state.labels.filter((label) => !vectorFor(label));
  if (missing.length) {
    labelStatus(`Loading the vectors of the “${templateOf(state.template).text}” template…`);
    document.body.dataset.loading = 'true';
    loadTemplateVectors(state.template).then(() => { labelStatus(''); update(); }, (error) => {
      // the labels this template cannot score yet are kept out until the reader retries
      labelStatus(`Could not load the vectors for this template (${error.message}).`, retryButton());
      state.labels = state.labels.filter((label) => vectorFor(label));
      if (!state.labels.length) state.labels = [...defaults.labels];
      update();
    });
    return;
  }
  delete document.body.dataset.loading;
  const start = performance.now();
  const photo = snap.photos[photoIndex()];
  const image = imageVectors[photoIndex()];
  const tau = snap.temperatures[state.tauIndex];
  const sims = similarities(image, state.labels.map(vectorFor));
  const probs = softmax(sims, tau);
  const top = argmax(probs);
  const elapsed = performance.now() - start;

  syncControls();
  const rowsKey = `${state.photo}\n${state.template}\n${state.labels.join('\n')}`;
  const sameRows = rowsKey === shownRows;  // only the temperature changed: the similarities stand
  if (sameRows) updateProbabilities(probs);
  else renderRows(sims, probs);
  $('top-label').textContent = state.labels[top];
  $('top-probability').textContent = `${(100 * probs[top]).toFixed(1)}%`;
  $('entropy').textContent = entropy(probs).toFixed(3);
  $('tau-value').textContent = threeDigits(tau);
  $('tau-inverse').textContent = threeDigits(1 / tau);
  $('tau-slider').setAttribute('aria-valuetext', `tau ${threeDigits(tau)}`);
  $('recompute-ms').textContent = `${elapsed.toFixed(2)} ms for ${state.labels.length} labels`;
  if (!sameRows) fillTable('similarities-table', state.labels.map((label, i) => [label, sims[i].toFixed(4)]));

  if (shownPhoto !== state.photo) {
    shownPhoto = state.photo;
    showPhoto(photo);
    setChart('image-vector', vectorRows(image));
    fillTable('image-vector-table', Array.from(image, (v, i) => [String(i), v.toFixed(4)]));
    $('image-vector-summary').textContent = photo.title;
  }
  const first = `${state.template}\n${state.labels[0]}`;
  if (shownText !== first) {
    shownText = first;
    const vector = vectorFor(state.labels[0]);
    setChart('text-vector', vectorRows(vector));
    fillTable('text-vector-table', Array.from(vector, (v, i) => [String(i), v.toFixed(4)]));
    $('text-vector-summary').textContent = `“${fillTemplate(state.labels[0])}”`;
  }
  const charted = chartRows(sims, probs);
  if (!sameRows) setChart('similarities', charted);
  setChart('probabilities', charted);
  updateMatrix(charted, tau, sameRows);
  updateTemplates(tau);
  if (!sameRows) updateTokens(charted.map((row) => row.label));
  if (!sameRows) updateGap(charted);
  updateCrowding(sims, tau);
  updateSweep(charted, sims, tau, sameRows);
  shownRows = rowsKey;
}

// ---- every photo against every label (the figure of OpenAI's CLIP notebook) ---------------------------
const matrixMeasure = () => document.querySelector('input[name="matrix-measure"]:checked').value;
let matrixShown = null;

function updateMatrix(charted, tau, sameRows) {
  const measure = matrixMeasure();
  const key = `${measure}\n${measure === 'probability' ? tau : ''}\n${state.photo}`;
  if (sameRows && key === matrixShown) return;  // nothing this figure shows has changed
  matrixShown = key;
  const labels = charted.map((row) => row.label);
  const vectors = labels.map(vectorFor);
  const values = imageVectors.map((image) => {
    const sims = similarities(image, vectors);
    return measure === 'similarity' ? sims : softmax(sims, tau);
  });
  const flat = values.flat();
  const lo = Math.min(...flat);
  const hi = Math.max(...flat);
  const shown = (v) => (measure === 'similarity' ? v.toFixed(3) : `${(100 * v).toFixed(0)}%`);
  const table = $('matrix-table');
  const head = document.createElement('tr');
  head.append(cell('th', 'photo'), ...labels.map((label) => cell('th', label)));
  head.querySelectorAll('th').forEach((th) => { th.scope = 'col'; });
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...snap.photos.map((photo, p) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.append(actionButton(photo.title, `Select the photo ${photo.title}`, false, () => selectPhoto(photo.id)));
    if (photo.id === state.photo) tr.setAttribute('aria-current', 'true');
    tr.append(th, ...values[p].map((v) => {
      const td = cell('td', shown(v), 'num');
      td.dataset.value = v.toFixed(6);
      return td;
    }));
    return tr;
  }));
  $('matrix-limit').textContent = $('similarities-limit').textContent;
  setChart('matrix', snap.photos.flatMap((photo, p) => values[p].map((v, i) => ({
    photo: photo.title, photo_order: p, label: labels[i], order: charted[i].order, value: v, shown: shown(v),
    current: photo.id === state.photo, dark: v - lo > 0.6 * (hi - lo),
  }))));
}

// ---- every template at once: how much the wording of the prompt moves the answer ------------------------
let templatesShown = null;

function updateTemplates(tau) {
  const key = `${state.photo}\n${tau}\n${state.template}\n${state.labels.join('\n')}`;
  if (key === templatesShown) return;
  templatesShown = key;
  // labels whose vectors are loaded under every template (the defaults always are)
  const labels = state.labels.filter((label) => snap.templates.every((t) => textVectors.get(t.id).has(label)));
  const missing = state.labels.length - labels.length;
  $('templates-load').hidden = missing === 0;
  $('templates-note').textContent = missing ? `${missing} added label${missing > 1 ? 's are' : ' is'} left out until the other templates' vectors are loaded.` : '';
  const image = imageVectors[photoIndex()];
  const probs = snap.templates.map((t) => softmax(similarities(image, labels.map((l) => textVectors.get(t.id).get(l))), tau));
  const names = snap.templates.map((t) => (t.ensemble ? `ensemble of ${snap.ensemble_size}` : t.text));
  const shown = (p) => `${(100 * p).toFixed(0)}%`;
  const rows = labels.slice(0, CHART_LIMIT).map((label, i) => [label, i]);
  const table = $('templates-table');
  table.tBodies[0].replaceChildren(...rows.map(([label, i]) => {
    const tr = document.createElement('tr');
    tr.append(rowHeader(label), ...probs.map((p) => {
      const td = cell('td', shown(p[i]), 'num');
      td.dataset.value = p[i].toFixed(6);
      return td;
    }));
    return tr;
  }));
  setChart('templates', rows.flatMap(([label, i]) => probs.map((p, t) => ({
    template: names[t], template_order: t, label, order: i, value: p[i], shown: shown(p[i]),
  }))));
  const current = snap.templates.findIndex((t) => t.id === state.template);
  const top = argmax(probs[current]);
  const column = probs.map((p) => p[top]);
  const best = argmax(column);
  const worst = argmax(column.map((p) => -p));
  $('template-verdict').textContent = `For the top label “${labels[top]}”, the best template is “${names[best]}” (${(100 * column[best]).toFixed(1)}%) and the worst is “${names[worst]}” (${(100 * column[worst]).toFixed(1)}%): a difference of ${(100 * (column[best] - column[worst])).toFixed(1)} percentage points.`;
}

$('templates-load-button').addEventListener('click', async () => {
  $('templates-note').textContent = 'Loading the vectors of every template…';
  try {
    await Promise.all(snap.templates.map((t) => loadTemplateVectors(t.id)));
    templatesShown = null;
    update();
  } catch (error) {
    $('templates-note').textContent = `Could not load the vectors (${error.message}); try again.`;
  }
});

// ---- tokens: what the text encoder reads ------------------------------------------------------------------
/** obj[key] only if obj has that key itself: a label may be called "constructor". */
const own = (obj, key) => (obj && Object.hasOwn(obj, key) ? obj[key] : undefined);

function labelTokens(label) {
  const known = own(snap.tokens.labels, label);
  if (known) return known;
  const index = vocabulary.index?.get(label);
  return index === undefined ? null : vocabulary.tokens[index];
}

function tokenException(label) {
  const known = own(own(snap.tokens.exceptions, state.template), label);
  if (known) return known;
  const index = vocabulary.index?.get(label);
  return index === undefined ? undefined : own(own(vocabulary.exceptions, state.template), String(index));
}

const pieceText = (id) => own(snap.tokens.pieces, String(id)) ?? own(vocabulary.pieces, String(id)) ?? `#${id}`;

/** The token ids the text encoder reads for a label under the chosen template, each with its part. */
function tokensFor(label) {
  const ids = labelTokens(label);
  if (!ids) return null;
  const template = templateOf(state.template);
  if (template.ensemble) return ids.map((id) => ({ id, kind: 'label' }));
  const [start, end] = snap.tokens.special;
  const parts = snap.tokens.templates[state.template];
  const exception = tokenException(label);
  const body = exception ? exception.map((id) => ({ id, kind: 'template' })) : [
    ...parts.before.map((id) => ({ id, kind: 'template' })), ...ids.map((id) => ({ id, kind: 'label' })),
    ...parts.after.map((id) => ({ id, kind: 'template' })),
  ];
  const room = snap.tokens.context_length - 2;  // the start and end tokens are always kept
  return [{ id: start, kind: 'special' }, ...body.slice(0, room), { id: end, kind: 'special' },
    ...body.slice(room).map((token) => ({ ...token, kind: `${token.kind} cut` }))];
}

function updateTokens(labels) {
  const ensemble = templateOf(state.template).ensemble;
  $('token-rows').replaceChildren(...labels.map((label) => {
    const tokens = tokensFor(label) ?? [];
    const line = document.createElement('div');
    line.className = 'token-line';
    line.dataset.label = label;
    const head = document.createElement('p');
    head.className = 'token-label';
    head.append(cell('strong', label));
    const cut = tokens.filter((t) => t.kind.endsWith('cut')).length;
    if (ensemble) head.append(`: the label's own pieces (each of the ${snap.ensemble_size} templates wraps them)`);
    else head.append(`: ${tokens.length - cut} of ${snap.tokens.context_length} tokens`);
    if (cut) head.append(' ', cell('span', `(cut: ${cut} more token${cut > 1 ? 's do' : ' does'} not fit)`, 'token-cut-note'));
    const list = document.createElement('ol');
    list.className = 'tokens';
    list.append(...tokens.map((token) => {
      const li = document.createElement('li');
      li.className = `token ${token.kind}`;
      li.dataset.id = String(token.id);
      li.append(cell('span', pieceText(token.id), 'piece'), ' ', cell('span', String(token.id), 'id'));
      return li;
    }));
    line.append(head, list);
    return line;
  }));
}

// ---- the modality gap: photos and texts projected on the build's two principal directions -------------
const gapMean = decodeFloat16(snap.gap.mean);                  // (512,)
const gapComponents = rows(decodeFloat16(snap.gap.components), DIM);  // two (512,)
const project = (v) => gapComponents.map((c) => dot(v, c) - dot(gapMean, c));  // (v - mean) . c
const imagePoints = imageVectors.map(project);
let cloud = [];  // the faint vocabulary cloud, from figures.json

// The data of the last figures (the vocabulary cloud, near-synonyms) is fetched when the reader comes near them.
const figures = { data: null, loading: null };
function loadFigures() {
  figures.loading ??= fetchJson(snap.figures).then((data) => {
    figures.data = data;
    cloud = rows(decodeFloat16(data.cloud_points), 2).map(([x, y], i) => ({ kind: 'vocabulary', name: data.cloud_names[i], x, y }));
    document.body.dataset.figures = 'loaded';
    shownRows = null;  // redraw the figures that use it
    update();
  }).catch(() => {
    figures.loading = null;
    $('crowding-summary').textContent = 'Could not load the near-synonyms; scroll away and back to try again.';
  });
  return figures.loading;
}
const nearFigures = new IntersectionObserver((entries) => {
  if (entries.some((entry) => entry.isIntersecting)) loadFigures();
}, { rootMargin: '600px 0px' });
for (const id of ['gap-figure', 'crowding-figure']) if ($(id)) nearFigures.observe($(id));

function updateGap(charted) {
  const labels = charted.map((row) => row.label);
  const texts = labels.map(vectorFor);
  const points = [
    ...snap.photos.map((photo, p) => ({ kind: 'photo', name: photo.title, x: imagePoints[p][0], y: imagePoints[p][1] })),
    ...labels.map((label, i) => {
      const [x, y] = project(texts[i]);
      return { kind: 'label', name: label, order: charted[i].order, x, y };
    }),
  ];
  setChart('gap', [...cloud, ...points]);
  fillGapTable(points);
  const mean = (values) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
  const pairs = (list) => list.flatMap((a, i) => list.filter((_, j) => j !== i).map((b) => dot(a, b)));
  const between = imageVectors.flatMap((image) => texts.map((text) => dot(image, text)));
  $('gap-summary').textContent = `Mean cosine between two photos: ${mean(pairs(imageVectors)).toFixed(3)}; between two label texts: ${mean(pairs(texts)).toFixed(3)}; between a photo and a label text: ${mean(between).toFixed(3)}.`;
}

function fillGapTable(points) {
  $('gap-table').tBodies[0].replaceChildren(...points.map((point) => {
    const tr = document.createElement('tr');
    tr.dataset.x = point.x.toFixed(6);
    tr.dataset.y = point.y.toFixed(6);
    tr.append(rowHeader(point.name), cell('td', point.kind), cell('td', point.x.toFixed(3), 'num'), cell('td', point.y.toFixed(3), 'num'));
    return tr;
  }));
}

// ---- label crowding: near-synonyms of the top label split its probability --------------------------------
function nearSynonyms(label) {
  // [[name, similarity to the current photo]], nearest text vectors first
  const p = photoIndex();
  if (!figures.data) return null;
  const known = own(own(figures.data.crowding, state.template), label);
  if (known) return known.map(([name, sims]) => [name, sims[p]]);
  if (!vocabulary.labels || !vocabulary.vectorLoads.has(state.template)) return null;
  const target = vectorFor(label);
  const scored = vocabulary.labels.filter((l) => l !== label).map((l) => [l, dot(vectorFor(l), target)]);
  scored.sort((a, b) => b[1] - a[1]);
  return scored.slice(0, snap.crowding_size).map(([name]) => [name, dot(imageVectors[p], vectorFor(name))]);
}

function updateCrowding(sims, tau) {
  const top = argmax(sims);
  const label = state.labels[top];
  const neighbours = nearSynonyms(label);
  if (!neighbours) {
    if (figures.data) $('crowding-summary').textContent = `Near-synonyms of “${label}” need the vocabulary, which loads when you add a label.`;
    return;  // until then, the build's worked example stays on the page
  }
  const added = neighbours.filter(([name]) => !state.labels.includes(name));
  const steps = [];
  for (let n = 0; n <= added.length; n++) {
    const probs = softmax([...sims, ...added.slice(0, n).map(([, s]) => s)], tau);
    const synonyms = probs.slice(state.labels.length).reduce((a, b) => a + b, 0);
    steps.push({ added: n ? added[n - 1][0] : '', top: probs[top], synonyms, others: Math.max(0, 1 - probs[top] - synonyms) });
  }
  $('crowding-summary').textContent = `Adding ${added.length} near-synonyms of “${label}”, one at a time, takes its probability from ${(100 * steps[0].top).toFixed(1)}% to ${(100 * steps[steps.length - 1].top).toFixed(1)}%, although the photo has not changed.`;
  $('crowding-table').tBodies[0].replaceChildren(...steps.map((step) => {
    const tr = document.createElement('tr');
    tr.dataset.top = step.top.toFixed(6);
    tr.append(rowHeader(step.added || '(none yet)'), ...[step.top, step.synonyms, step.others].map((v) => cell('td', `${(100 * v).toFixed(1)}%`, 'num')));
    return tr;
  }));
  const parts = [['top label', 'top'], ['near-synonyms', 'synonyms'], ['other labels', 'others']];
  setChart('crowding', steps.flatMap((step, n) => parts.map(([part, key], order) => ({
    step: step.added ? `+ ${step.added}` : `${label} alone`, step_order: n, part, part_order: order, value: step[key],
  }))));
}

function selectPhoto(id) {
  if (id === state.photo) return;
  state.photo = id;
  commit('photo');
}

// ---- the temperature sweep: every grid temperature at once, the current one draggable ---------------
function updateSweep(charted, sims, tau, sameRows) {
  let rows = sweepRows;
  if (!sameRows || !rows) {
    const keep = charted.map((row) => state.labels.indexOf(row.label));
    const scale = state.labels.length > 1 ? Math.log(state.labels.length) : 1;
    rows = [];
    for (const t of snap.temperatures) {
      const probs = softmax(sims, t);
      keep.forEach((i, j) => rows.push({ kind: 'label', label: state.labels[i], order: charted[j].order, tau: t, value: probs[i] }));
      rows.push({ kind: 'entropy', tau: t, value: entropy(probs) / scale });
    }
    sweepRows = rows;
  }
  setChart('sweep', [...rows, { kind: 'current', tau, value: 0 }]);
  const probs = softmax(sims, tau);
  const top = argmax(probs);
  $('sweep-summary').textContent = `At τ = ${threeDigits(tau)}, “${state.labels[top]}” takes ${(100 * probs[top]).toFixed(1)}% and the entropy is ${entropy(probs).toFixed(3)} nats.`;
}
let sweepRows = null;

const chartHooks = {
  matrix(view) {
    view.addEventListener('click', (event, item) => {
      const order = item?.datum?.photo_order;
      if (order !== undefined) selectPhoto(snap.photos[order].id);
    });
  },
  sweep(view, container) {
    // dragging along the chart moves the temperature to the nearest grid point
    const pick = (event) => {
      const canvas = container.querySelector('canvas');
      if (!canvas || !(event.buttons & 1)) return;
      const x = event.clientX - canvas.getBoundingClientRect().left - view.origin()[0];
      const value = view.scale('x').invert(x);
      if (!(value > 0)) return;
      const index = nearestIndex(snap.temperatures, value);
      if (index !== state.tauIndex) {
        state.tauIndex = index;
        commit('tau');
      }
      event.preventDefault();
    };
    container.addEventListener('pointerdown', pick);
    container.addEventListener('pointermove', pick);
  },
};

/** The bar charts' rows: every label, or the CHART_LIMIT most probable ones, in the reader's order. */
function chartRows(sims, probs) {
  let keep = state.labels.map((_, i) => i);
  if (keep.length > CHART_LIMIT) {
    keep = keep.sort((a, b) => probs[b] - probs[a]).slice(0, CHART_LIMIT).sort((a, b) => a - b);
  }
  const note = keep.length < state.labels.length ? `Showing the ${CHART_LIMIT} most probable of ${state.labels.length} labels.` : '';
  for (const id of ['similarities-limit', 'probabilities-limit']) $(id).textContent = note;
  return keep.map((i) => ({ label: state.labels[i], order: i, similarity: sims[i], probability: probs[i] }));
}

function updateProbabilities(probs) {
  const rows = $('label-rows').rows;
  for (let i = 0; i < probs.length; i++) {
    const text = `${(100 * probs[i]).toFixed(1)}%`;
    const cell = rows[i].cells[2];
    rows[i].dataset.prob = probs[i].toFixed(6);
    cell.lastChild.nodeValue = text;
    cell.firstChild.style.width = text;
  }
}

const threeDigits = (x) => String(Number(x.toPrecision(3)));  // 0.0126, 79.4, 100

function fillTemplate(label) {
  const template = templateOf(state.template);
  return template.ensemble ? `${label}, averaged over ${snap.ensemble_size} templates` : template.text.replace('{label}', label);
}

function syncControls() {
  for (const radio of document.querySelectorAll('input[name="photo"]')) radio.checked = radio.value === state.photo;
  $('template-select').value = state.template;
  $('tau-slider').value = String(state.tauIndex);
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
  $('label-rows').replaceChildren(...state.labels.map((label, i) => {
    const tr = document.createElement('tr');
    tr.dataset.label = label;
    tr.dataset.sim = sims[i].toFixed(6);
    tr.dataset.prob = probs[i].toFixed(6);
    const prob = cell('td', `${(100 * probs[i]).toFixed(1)}%`, 'num');
    const bar = document.createElement('span');
    bar.className = 'prob-bar';
    bar.setAttribute('aria-hidden', 'true');
    bar.style.width = `${(100 * probs[i]).toFixed(1)}%`;  // CSSOM, allowed by the CSP
    prob.prepend(bar);
    const actions = document.createElement('td');
    actions.className = 'row-actions';
    actions.append(
      actionButton('↑', `Move ${label} up`, i === 0, () => move(i, -1)),
      actionButton('↓', `Move ${label} down`, i === state.labels.length - 1, () => move(i, 1)),
      actionButton('×', `Remove ${label}`, state.labels.length === 1, () => removeLabel(i)),
    );
    tr.append(rowHeader(label), cell('td', sims[i].toFixed(4), 'num'), prob, actions);
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
  commit('labels');
  const [up, down] = $('label-rows').rows[j].querySelectorAll('button');  // keep focus on the moved label
  (step < 0 && !up.disabled) || down.disabled ? up.focus() : down.focus();
}

function removeLabel(i) {
  const [label] = state.labels.splice(i, 1);
  commit('labels');
  labelStatus(`Removed “${label}”.`);
  $('add-label-input').focus();
}

// ---- the URL holds the view: shareable, and Back / Forward move through earlier views ----------------
let lastChange = null;

/** A control changed the view: recompute, then record it in the history (slider moves coalesce). */
function commit(kind) {
  update();
  const url = `#${serialise(state, snap.temperatures)}`;
  if (url === window.location.hash) return;
  if (kind === 'tau' && lastChange === 'tau') history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  lastChange = kind;
}

function isLabel(label) {
  const lower = label.toLowerCase();
  const known = defaults.labels.find((l) => l.toLowerCase() === lower);
  if (known) return known;
  if (!vocabulary.byLower) return undefined;
  return vocabulary.byLower.get(lower) ?? false;
}

function parseLocation() {
  return parse(window.location.hash, {
    photos: snap.photos.map((p) => p.id), templates: snap.templates.map((t) => t.id),
    temperatures: snap.temperatures, defaults, isLabel,
  });
}

function applyLocation() {
  let parsed;
  try {
    parsed = parseLocation();
  } catch {
    parsed = { view: defaults, notices: ['The link could not be read; showing the default view.'], pendingLabels: [] };
  }
  Object.assign(state, parsed.view, { labels: [...parsed.view.labels] });
  lastChange = null;
  notice(parsed.notices);
  if (parsed.pendingLabels.length) {
    // labels beyond the defaults: check them against the vocabulary, then show the view
    loadTemplateVectors(state.template).then(() => applyLocation(), () => {
      state.labels = state.labels.filter((label) => !parsed.pendingLabels.includes(label));
      if (!state.labels.length) state.labels = [...defaults.labels];
      notice([...parsed.notices, 'The vocabulary could not be loaded, so some labels of the link were left out.']);
      update();
    });
    state.labels = state.labels.filter((label) => !parsed.pendingLabels.includes(label));
    if (!state.labels.length) state.labels = [...defaults.labels];
  }
  update();
}

function notice(lines) {
  const box = $('view-notice');
  box.replaceChildren(...lines.map((line) => cell('p', line)));
  box.hidden = lines.length === 0;
}

// ---- adding labels: type-ahead over the whole vocabulary (an ARIA combobox) ------------------------
const input = $('add-label-input');
const listbox = $('label-suggestions');
let active = -1;

function labelStatus(text, ...extra) {
  $('add-label-status').replaceChildren(text, ...extra);
}

function retryButton() {
  return actionButton('Retry', 'Retry loading', false, () => { labelStatus(''); ensureVocabulary(); update(); });
}

async function ensureVocabulary() {
  if (vocabulary.vectorLoads.has(state.template) && vocabulary.labels) return true;
  const loading = 'Loading the vocabulary…';
  labelStatus(loading);
  input.setAttribute('aria-busy', 'true');
  try {
    await loadTemplateVectors(state.template);
    if ($('add-label-status').textContent === loading) labelStatus('');  // keep any newer message
    return true;
  } catch (error) {
    labelStatus(`Could not load the vocabulary (${error.message}).`, retryButton());
    return false;
  } finally {
    input.removeAttribute('aria-busy');
  }
}

function showSuggestions() {
  const found = vocabulary.labels ? suggest(vocabulary.labels, input.value, 8, new Set(state.labels)) : [];
  active = -1;
  listbox.replaceChildren(...found.map((label, i) => {
    const option = cell('li', label);
    option.id = `suggestion-${i}`;
    option.setAttribute('role', 'option');
    option.setAttribute('aria-selected', 'false');
    option.addEventListener('mousedown', (event) => event.preventDefault());  // keep focus in the input
    option.addEventListener('click', () => addLabel(label));
    return option;
  }));
  const open = found.length > 0;
  listbox.hidden = !open;
  input.setAttribute('aria-expanded', String(open));
  input.removeAttribute('aria-activedescendant');
}

function closeSuggestions() {
  listbox.replaceChildren();
  listbox.hidden = true;
  active = -1;
  input.setAttribute('aria-expanded', 'false');
  input.removeAttribute('aria-activedescendant');
}

function highlight(index) {
  const options = [...listbox.children];
  if (!options.length) return;
  active = (index + options.length) % options.length;
  options.forEach((option, i) => option.setAttribute('aria-selected', String(i === active)));
  input.setAttribute('aria-activedescendant', options[active].id);
  options[active].scrollIntoView({ block: 'nearest' });
}

async function addLabel(raw) {
  const text = raw.replace(/\s+/g, ' ').trim();
  if (!text) return;
  closeSuggestions();
  if (!(await ensureVocabulary())) return;
  const label = vocabulary.byLower.get(text.toLowerCase());
  if (!label) {
    const offers = closest(vocabulary.labels, text, 3).map((suggestion) =>
      actionButton(suggestion, `Add ${suggestion}`, false, () => addLabel(suggestion)));
    labelStatus(`“${text.length > 64 ? `${text.slice(0, 64)}…` : text}” is not in the vocabulary.${offers.length ? ' Closest:' : ''} `, ...offers);
    return;
  }
  if (state.labels.includes(label)) {
    labelStatus(`“${label}” is already a candidate.`);
    return;
  }
  state.labels.push(label);
  input.value = '';
  commit('labels');
  labelStatus(`Added “${label}”.`);
}

input.addEventListener('focus', () => { ensureVocabulary(); });
input.addEventListener('input', async () => {
  if (await ensureVocabulary()) showSuggestions();
});
input.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    if (listbox.hidden) showSuggestions();
    highlight(active + (event.key === 'ArrowDown' ? 1 : -1));
    event.preventDefault();
  } else if (event.key === 'Escape') {
    closeSuggestions();
  } else if (event.key === 'Enter' && active >= 0) {
    event.preventDefault();
    addLabel(listbox.children[active].textContent);
  }
});
input.addEventListener('blur', () => setTimeout(closeSuggestions, 150));
$('add-label-form').addEventListener('submit', (event) => { event.preventDefault(); addLabel(input.value); });

// ---- controls --------------------------------------------------------------------------------------
for (const radio of document.querySelectorAll('input[name="photo"]')) {
  radio.addEventListener('change', () => { state.photo = radio.value; commit('photo'); });
}
$('template-select').addEventListener('change', (event) => { state.template = event.target.value; commit('template'); });
$('tau-slider').addEventListener('input', (event) => { state.tauIndex = Number(event.target.value); commit('tau'); });
for (const radio of document.querySelectorAll('input[name="matrix-measure"]')) radio.addEventListener('change', () => update());
window.addEventListener('popstate', applyLocation);

applyLocation();
document.body.dataset.ready = 'true';
performance.mark('controls-ready');
