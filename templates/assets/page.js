// The reader's view lives in `state`; update() computes the numbers once and hands the same `view` to
// every figure.
import { argmax, entropy, similarities, softmax } from './clipmath.js';
import * as controls from './controls.js';
import {
  imageVectors, labelTokens, loadFigures, loadState, loadTemplateVectors, figureData, pieceText, snap,
  templateOf, tokenException, vectorFor, vocabulary, vocabularyLoaded,
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
import { labelRows, limitNote } from './rows.js';
import { layoutTokens } from './tokenlayout.js';

const defaults = {
  photo: snap.default.photo, template: snap.default.template, labels: [...snap.default.labels], tauIndex: snap.default.tau_index,
};
const state = { ...defaults, labels: [...defaults.labels] };
const FIGURES = [controls, editor, predictions, vectors, matrix, templates, tokens, gap, crowding, sweep];

// a label's tokens under the current template; null until its ids are loaded
function tokensOf(label) {
  const ids = labelTokens(label);
  const template = templateOf(state.template);
  if (!ids) return null;
  return layoutTokens({ ids, parts: template.ensemble ? null : snap.tokens.templates[template.id],
    exception: tokenException(template.id, label), special: snap.tokens.special, contextLength: snap.tokens.context_length });
}

function update() {
  if (state.labels.some((label) => !vectorFor(state.template, label))) {
    // added labels need this template's vectors: show the view once they are here
    editor.status(`Loading the vectors of the “${templateOf(state.template).text}” template…`);
    document.body.dataset.loading = 'true';
    loadTemplateVectors(state.template).then(() => { editor.status(''); update(); }, (error) => {
      // the labels this template cannot score yet are kept out until the reader retries
      editor.status(`Could not load the vectors for this template (${error.message}).`, editor.retryButton());
      state.labels = state.labels.filter((label) => vectorFor(state.template, label));
      if (!state.labels.length) state.labels = [...defaults.labels];
      update();
    });
    return;
  }
  delete document.body.dataset.loading;
  const start = performance.now();
  const photoIndex = snap.photos.findIndex((p) => p.id === state.photo);
  const tau = snap.temperatures[state.tauIndex];
  const sims = similarities(imageVectors[photoIndex], state.labels.map((label) => vectorFor(state.template, label)));
  const probs = softmax(sims, tau);
  const elapsed = performance.now() - start;
  const rows = labelRows(state.labels, sims, probs);
  const view = {
    snap, photo: snap.photos[photoIndex], photoIndex, template: templateOf(state.template), labels: [...state.labels],
    tau, tauIndex: state.tauIndex, sims, probs, top: argmax(probs), entropy: entropy(probs), elapsed,
    scored: `${state.photo}\n${state.template}\n${state.labels.join('\n')}`,  // what the similarities depend on
    rows, limitNote: limitNote(rows.length, state.labels.length),           // the charted labels
    image: imageVectors[photoIndex], images: imageVectors,
    vector: (label, templateId = state.template) => vectorFor(templateId, label),
    vocabulary: vocabularyLoaded(state.template) ? vocabulary.labels : null,
    tokens: { layout: tokensOf, piece: pieceText, ready: Boolean(vocabulary.tokens) },
    figures: { ...figureData, state: loadState('figures') },
    act: actions,
  };
  for (const figure of FIGURES) figure.update(view);
}

const actions = {
  refresh: update,
  selectPhoto(id) { if (id !== state.photo) { state.photo = id; commit('photo'); } },
  selectTemplate(id) { state.template = id; commit('template'); },
  setTauIndex(index) { if (index !== state.tauIndex) { state.tauIndex = index; commit('tau'); } },
  loadAllTemplates: () => Promise.all(snap.templates.map((t) => loadTemplateVectors(t.id))).then(update),
};

/** A link's label: its own spelling, false, or undefined before the vocabulary is loaded. */
function isLabel(label) {
  const lower = label.toLowerCase();
  const known = defaults.labels.find((l) => l.toLowerCase() === lower);
  if (known) return known;
  if (!vocabulary.byLower) return undefined;
  return vocabulary.byLower.get(lower) ?? false;
}

const { commit, apply } = createHistory({
  state, defaults, isLabel, temperatures: snap.temperatures, refresh: update,
  photos: snap.photos.map((p) => p.id), templates: snap.templates.map((t) => t.id),
  loadLabels: () => loadTemplateVectors(state.template),
});
controls.init(actions);
editor.init({ state, commit, refresh: update });
matrix.init(actions);
sweep.init(actions, snap.temperatures);
templates.init(actions);

// the last figures' data is fetched when the reader comes near them, not with the first view
const nearFigures = new IntersectionObserver((entries) => {
  const wanted = !['pending', 'loaded'].includes(loadState('figures'));  // a failed load is tried again
  if (wanted && entries.some((entry) => entry.isIntersecting)) loadFigures().then(update, update);
}, { rootMargin: '600px 0px' });
for (const id of ['gap-figure', 'crowding-figure']) if (document.getElementById(id)) nearFigures.observe(document.getElementById(id));

apply();
document.body.dataset.ready = 'true';
performance.mark('controls-ready');
