// The reader's view lives in `state`; update() computes the numbers once and hands the same `view` to
// every figure. Labels whose files are still on their way (or failed) are left out of every number until
// they land: the page never waits for a fetch.
import { argmax, entropy, similarities, softmax } from './clipmath.js';
import * as controls from './controls.js';
import {
  figureData, forgetLabel, imageVectors, labelError, labelNeighbours, labelState, labelTokens, loadFigures,
  live, liveMode as liveOn, loadState, names, pieceText, requestLabel, snap, templateOf, tokenException, vectorFor,
} from './data.js';
import * as crowding from './figures/crowding.js';
import * as gap from './figures/gap.js';
import * as matrix from './figures/matrix.js';
import * as predictions from './figures/predictions.js';
import * as sweep from './figures/sweep.js';
import * as templates from './figures/templates.js';
import * as tokens from './figures/tokens.js';
import * as vectors from './figures/vectors.js';
import { createHistory } from './history.js';
import * as editor from './labels.js';
import { watch, whenNear } from './nearby.js';
import { labelRows, limitNote } from './rows.js';
import { layoutTokens } from './tokenlayout.js';

const defaults = {
  photo: snap.default.photo, template: snap.default.template, labels: [...snap.default.labels], tauIndex: snap.default.tau_index, live: [],
};
const state = { ...defaults, labels: [...defaults.labels], live: [] };  // labels: every candidate; live: those live mode embeds
let liveUi = null;
// The figures and the widgets they fill. The label bars and the top-label card always follow the view;
// any other figure is computed only when one of its widgets is near the screen (nearby.js): far below
// the fold it keeps the newest view, marked stale, and catches up before it scrolls in.
const byIds = (...ids) => ids.map((id) => document.getElementById(id)).filter(Boolean);
const FIGURES = [
  predictions.update,
  ...[[vectors, 'image-vector-figure', 'text-vector-figure'], [matrix, 'matrix-figure'], [templates, 'templates-figure'],
    [tokens, 'tokens-figure'], [gap, 'gap-figure'], [crowding, 'crowding-figure'], [sweep, 'sweep-figure']]
    .map(([figure, ...ids]) => whenNear(byIds(...ids), figure.update)),
];
let seen = null;  // figures/seen.js, imported when its figure comes near (not part of the first view)

// a label's tokens under the current template; null until its ids are loaded
function tokensOf(label) {
  const ids = labelTokens(label);
  const template = templateOf(state.template);
  if (!ids) return null;
  return layoutTokens({ ids, parts: template.ensemble ? null : snap.tokens.templates[template.id],
    exception: tokenException(template.id, label), special: snap.tokens.special, contextLength: snap.tokens.context_length });
}

function update() {
  for (const label of state.labels) {  // a no-op for labels on their way or here
    if (!state.live.includes(label)) requestLabel(label, landed);
    else if (!live.has(label)) live.set(label, { state: liveOn.on ? 'pending' : 'waiting' }) && liveUi?.then((ui) => ui.embedWaiting());
  }
  const entries = state.labels.map((label) => ({ label, state: labelState(label) }));
  const labels = state.labels.filter((label) => labelState(label) === 'ready');  // the scored labels
  if (entries.some((entry) => entry.state === 'pending')) document.body.dataset.loading = 'true';
  else delete document.body.dataset.loading;
  const start = performance.now();
  const photoIndex = snap.photos.findIndex((p) => p.id === state.photo);
  const tau = snap.temperatures[state.tauIndex];
  const sims = similarities(imageVectors[photoIndex], labels.map((label) => vectorFor(state.template, label)));
  const probs = softmax(sims, tau);
  const elapsed = performance.now() - start;
  const rows = labelRows(labels, sims, probs);
  const view = {
    snap, photo: snap.photos[photoIndex], photoIndex, template: templateOf(state.template), labels,
    entries, tau, tauIndex: state.tauIndex, sims, probs, top: argmax(probs), entropy: entropy(probs), elapsed,
    scored: `${state.photo}\n${state.template}\n${labels.join('\n')}`,  // what the similarities depend on
    rows, limitNote: limitNote(rows.length, labels.length),           // the charted labels
    image: imageVectors[photoIndex], images: imageVectors,
    vector: (label, templateId = state.template) => vectorFor(templateId, label),
    neighbours: (label) => labelNeighbours(label, state.template),
    tokens: { layout: tokensOf, piece: pieceText },
    figures: { ...figureData, state: loadState('figures') },
    act: actions,
  };
  controls.update(view);
  editor.update(view);
  // only a link whose labels are all on their way has nothing to score yet: its rows say "loading…"
  if (labels.length) for (const show of FIGURES) show(view);
  if (seen) seen.update(view);
}

/** A label's file landed or failed. Landings are shown together on the next frame (a link with many
 * labels redraws once per frame, not once per file). One that is not in the vocabulary leaves the view. */
const landings = [];
function landed(label) {
  if (landings.push(label) === 1) requestAnimationFrame(showLandings);
}

function showLandings() {
  const batch = landings.splice(0);
  for (const label of batch) {
    if (labelState(label) === 'missing' && state.labels.includes(label)) {
      state.labels = state.labels.filter((l) => l !== label);
      if (!state.labels.length) state.labels = [...defaults.labels];
      replaceUrl();
    }
  }
  update();
  for (const label of batch) editor.landed(label, labelState(label), labelError(label), () => notInVocabulary(label));
}

const actions = {
  refresh: update,
  selectPhoto(id) { if (id !== state.photo) { state.photo = id; commit('photo'); } },
  selectTemplate(id) { state.template = id; commit('template'); },
  setTauIndex(index) { if (index !== state.tauIndex) { state.tauIndex = index; commit('tau'); } },
  retryLabel(label) { forgetLabel(label); update(); },
  cancelLabel: forgetLabel,
  startLive: () => liveMode((ui) => ui.start()),
};

// live mode (liveui.js) loads on first use: its button, or a photo chosen, dropped or pasted
const liveMode = (then) => (liveUi ??= import('./liveui.js').then((ui) => (ui.init({ state, actions, landed }), ui))).then(then);
const photoGiven = (file) => file && snap.live && liveMode((ui) => ui.photoChosen(file));
document.querySelector('[data-testid=live-start]')?.addEventListener('click', actions.startLive);
const picker = document.getElementById('photo-picker');
picker.addEventListener('change', (e) => e.target.type === 'file' && photoGiven(e.target.files[0]));
picker.addEventListener('dragover', (e) => e.preventDefault());
picker.addEventListener('drop', (e) => { e.preventDefault(); photoGiven(e.dataTransfer.files[0]); });
document.addEventListener('paste', (e) => photoGiven(e.clipboardData?.files[0]));

/** A link's label: its own spelling, false, or undefined until its file or the names say. */
function isLabel(label) {
  const lower = label.toLowerCase();
  const known = defaults.labels.find((l) => l.toLowerCase() === lower);
  if (known) return known;
  if (!names.byLower) return undefined;
  return names.byLower.get(lower) ?? false;
}

const { commit, apply, notInVocabulary, replaceUrl } = createHistory({
  state, defaults, isLabel, temperatures: snap.temperatures, refresh: update,
  photos: snap.photos.map((p) => p.id), templates: snap.templates.map((t) => t.id),
});
controls.init(actions);
editor.init({ state, commit, actions });
matrix.init(actions);
sweep.init(actions, snap.temperatures);

// the last figures' data is fetched when the reader comes near them, not with the first view
function loadFiguresNear() {
  if (!['pending', 'loaded'].includes(loadState('figures'))) loadFigures().then(update, update);  // a failed load is tried again
}
for (const element of byIds('gap-figure', 'crowding-figure')) watch(element, loadFiguresNear);
const seenFigure = document.getElementById('seen-figure');
if (seenFigure) {
  watch(seenFigure, () => {
    if (seen !== null) return;
    seen = false;  // importing: once only
    import('./figures/seen.js').then(async (module) => { await module.load().catch(() => null); seen = module; update(); });
  });
}

apply();
document.body.dataset.ready = 'true';
performance.mark('controls-ready');
