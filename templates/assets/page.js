// The page's wiring. The state lives in one store (store.js), changed only by its actions; render() is the
// store's subscriber that computes the numbers once and hands the same `view` to every figure. Labels whose
// files are still on their way (or failed) are left out of every number until they land: the page never
// waits for a fetch.
import { argmax, entropy, similarities, softmax } from './rules/clipmath.js';
import * as controlBar from './ui/controlbar.js';
import * as controls from './ui/controls.js';
import {
  imagesOf, labelNeighbours, labelTokens, loadFigures, modelsOf, photosOf, pieceText, shownModelData, snap, snapOf,
  templateOf, tokenException, vectorFor,
} from './state/data.js';
import { forModel } from './ui/modelchoice.js';
import { labelEffects } from './effects.js';
import { LATER, figuresHere } from './figures/index.js';
import { createHistory } from './state/history.js';
import { initHover } from './ui/hover.js';
import { labelEditor } from './labels/labels.js';
import { TAB_KEYS, forwardElsewhere, initLinks, keepLiveInTab, showPlace } from './state/links.js';
import { offerLive } from './live/livecost.js';
import { wirePhotoInputs } from './live/photoinputs.js';
import { firstNear, watch, whenNear } from './ui/nearby.js';
import { labelRows, limitNote } from './rules/rows.js';
import {
  actions, createStore, initialState, labelState, scoredLabels, templatesComing, templatesReady, whyLabels,
} from './state/store.js';
import { layoutTokens } from './rules/tokenlayout.js';
import { centring, loadCentreWhenOn } from './state/numbersstate.js';
import { runnerUp } from './rules/why.js';
import { serialise } from './state/urlstate.js';
import { attackOf } from './state/attackstate.js';
import { showingBuilt } from './ui/charts.js';

// an address whose place is on another page of the site (index.html#figure-13, Figure 13 moved) goes there first
if (forwardElsewhere()) await new Promise(() => {});

const defaults = {
  photo: snap.default.photo, template: snap.default.template, labels: snap.default.labels,
  tauIndex: snap.default.tau_index, measure: 'similarity', attack: snap.attack?.default ?? null,
};
const measure = document.querySelector('input[name="matrix-measure"]:checked')?.value;
// the store's effects (effects.js): a pending label's file fetched, a live text embedded, the results as actions
const store = createStore(initialState(defaults, snap.default.labels, measure), labelEffects);
// the build's view, the one its static SVGs show: while the view is this one, the charts keep them (charts.js)
const builtAddress = serialise(defaults, snap.temperatures);
const isBuilt = (state) => serialise(state, snap.temperatures) === builtAddress && !state.ownPhotos.length
  && !state.captions.size && !document.body.dataset.loading;
const act = Object.fromEntries(Object.entries(actions)  // the store's actions, bound: act.choosePhoto(id) and so on
  .map(([name, make]) => [name, (...args) => store.dispatch(make(...args))]));

// The figures (figures/index.js), each started one way. A figure with no `near` element (the label bars and the
// top-label card) always follows the view; any other is computed only when one of its elements is near the screen
// (nearby.js): far below the fold it keeps the newest view, marked stale, and catches up before it scrolls in.
const byIds = (...ids) => ids.map((id) => document.getElementById(id)).filter(Boolean);
// a page of the site holds some of the figures (the core article or a deep-dive page): only theirs are fetched
const { figures, placed } = await figuresHere((ids) => byIds(...ids).length > 0);
const shows = placed.map((figure) => (figure.near.length ? whenNear(byIds(...figure.near), forModel(figure))
  : forModel(figure)));  // forModel: a figure that cannot follow a further model is handed the default's view
for (const figure of placed) figure.init({ act, snap, figures, live: (then) => liveMode(then) });  // defined below
const lazy = { figures: [], liveUi: null };  // LATER's figures and liveui.js, imported on first need

// a label's tokens under the current template; null until its ids are loaded
function tokensOf(state, label) {
  const ids = labelTokens(state, label);
  const template = templateOf(state.template);
  if (!ids) return null;
  return layoutTokens({ ids, parts: template.ensemble ? null : snap.tokens.templates[template.id],
    exception: tokenException(state, template.id, label), special: snap.tokens.special,
    contextLength: snap.tokens.context_length });
}

/** why: whyLabels's, with versus: the rival the two-label figure compares (the chosen one, else the runner-up). */
const withRival = (why, labels, sims) => ({ ...why, versus: why.rival ?? runnerUp(why.label, labels, sims) });

/** The numbers of a state, computed once, and everything a figure reads. */
function viewOf(state) {
  const entries = state.labels.map((label) => ({ label, state: labelState(state, label),
    templatesReady: templatesReady(state, label) ?? snap.templates.length, coming: templatesComing(state, label) }));
  const labels = scoredLabels(state);
  const photos = photosOf(state);
  const shown = shownModelData(state);  // a further model's numbers on screen (modelstate.js); null: the default's
  const centre = centring(state);  // "centre the space" by the shown model's means (numbersstate.js): null while off
  const images = centre ? imagesOf(state).map(centre.image) : imagesOf(state);
  const vectorOf = (label, templateId = state.template) => (centre ? centre.text(templateId, vectorFor(state,
    templateId, label)) : vectorFor(state, templateId, label));
  const start = performance.now();
  const photoIndex = photos.findIndex((p) => p.id === state.photo);
  const tau = snap.temperatures[state.tauIndex];
  const sims = similarities(images[photoIndex], labels.map((label) => vectorOf(label)));
  const probs = softmax(sims, tau);
  const elapsed = performance.now() - start;
  const rows = labelRows(labels, sims, probs);
  const top = argmax(probs);
  return {
    snap: snapOf(state), photos, photo: photos[photoIndex], photoIndex, template: templateOf(state.template), labels,
    complete: labels.filter((label) => !templatesComing(state, label).length),  // scored under every template
    entries, tau, tauIndex: state.tauIndex, sims, probs, top, entropy: entropy(probs), elapsed,
    why: withRival(whyLabels(state, labels[top]), labels, sims),  // the labels the "why" figures explain
    ownOcclusion: state.ownPhotos.find((own) => own.photo.id === state.photo)?.occlusion ?? null,  // store.js
    scored: [state.photo, state.template, ...labels, ...(centre ? ['centred'] : []), ...(shown ? [shown.id] : [])]
      .join('\n'),  // what the similarities depend on: the photo, template, labels, centring and model
    rows, limitNote: limitNote(rows.length, labels.length),           // the charted labels
    image: images[photoIndex], images, measure: state.measure,
    vector: vectorOf, centre, centred: Boolean(centre),
    rawSims: centre && similarities(imagesOf(state)[photoIndex], labels.map((l) => vectorFor(state, state.template,
      l))),  // the similarities as trained, beside the centred ones
    neighbours: (label) => labelNeighbours(state, label, state.template),
    tokens: { layout: (label) => tokensOf(state, label), piece: (id) => pieceText(state, id) },
    figures: state.figures,
    towers: state.towers,  // inside the towers: layer, head, attention or rollout, the text tower's layer
    captions: state.captions,  // the objective figure's caption of each photo (state/numbersstate.js)
    typed: { captions: state.typed, vectors: state.typedVectors, liveMode: state.liveMode, live: state.live },
    attack: attackOf(state, defaults.attack),  // the attack lab's { word, placement, live, ... } (attackstate.js)
    model: modelsOf(state, snap.models), modelRoot: shown?.data.root ?? '',  // the model on screen, its files' root
    // a further model shown: the default's own view, for the figures that cannot follow it (modelchoice.js forModel)
    defaultView: shown ? viewOf({ ...state, shownModel: null }) : undefined,
    act,
  };
}

// the label editor is the core article's; a deep-dive page's links still add labels (links.js), with no rows to show
const editor = document.getElementById('add-label-input') ? labelEditor(store, act)
  : { update() {}, said() {}, onStartLive() {} };

// actions that change nothing the figures compute (a hovered label is a highlight: hover.js)
const VIEWLESS = new Set(['namesLoaded', 'startLive', 'liveFailed', 'hoverLabel']);

function render(state, previous, action) {
  if (VIEWLESS.has(action.type)) return;
  if (state.labels.some((label) => labelState(state, label) === 'pending')) document.body.dataset.loading = 'true';
  else delete document.body.dataset.loading;
  if (state.figures.state === 'loaded') document.body.dataset.figures = 'loaded';
  const view = viewOf(state);
  document.body.toggleAttribute('data-centred', view.centred);  // every number below is the centred space's
  showingBuilt(() => isBuilt(state));  // serialised only while the charts keep the build's SVGs
  controls.update(view);
  controlBar.update(view);
  editor.update(view);
  // only a link whose labels are all on their way has nothing to score yet: its rows say "loading…"
  if (view.labels.length) for (const show of shows) show(view);
  for (const update of lazy.figures) update(view);
}
store.subscribe(render);
loadCentreWhenOn(store, act);  // the means "centre the space" subtracts, fetched the first time it is on
store.subscribe(editor.said);  // its status line speaks of rows already drawn
store.subscribe((state) => controlBar.showLive(state.liveMode));
initHover(store, act);  // after render: the rows it draws are marked again while a label is hovered

// live mode (liveui.js) loads on first use: its button, or a photo chosen, dropped or pasted
const liveMode = (then) =>
  (lazy.liveUi ??= import('./live/liveui.js').then((ui) => (ui.init(store, act), ui))).then(then);
editor.onStartLive(() => liveMode((ui) => ui.start()));
const photoGiven = (file) => file && snap.live && liveMode((ui) => ui.photoChosen(file));
document.querySelector('[data-testid=live-start]')?.addEventListener('click', () => liveMode((ui) => ui.start()));
// where memory is short (a phone), the button says the cost first and both towers are a second choice
if (snap.live) offerLive(snap.live, () => liveMode((ui) => ui.start(['text', 'vision'])));
// the reader reaching for a photo (live mode on): the photo tower starts while the file dialog is open (liveui.js)
wirePhotoInputs(photoGiven, () => lazy.liveUi?.then((ui) => ui.photoIntent()));
// the charts' static SVGs and the photos far below load lazily: a page about to be printed needs them all
addEventListener('beforeprint', () => {
  for (const img of document.querySelectorAll('img[loading=lazy]')) img.loading = 'eager';
});
// live mode's files cached by an earlier visit: the panel says so (and offers to forget them) when it comes near
// the screen (live mode's modules are not fetched with the first view)
const livePanel = document.getElementById('live-panel');
if (snap.live && self.caches && self.isSecureContext && livePanel) {
  firstNear([livePanel]).then(() => liveMode((ui) => ui.showCached()));
}

/** A link's label: its own spelling, false, or undefined until its file or the names say. */
function isLabel(label) {
  const lower = label.toLowerCase();
  const known = defaults.labels.find((l) => l.toLowerCase() === lower);
  if (known) return known;
  const { names } = store.getState();
  if (!names) return undefined;
  return names.byLower.get(lower) ?? false;
}

await restoreKept();  // before the history listens: the kept photo is no step of the reader's
const pageHistory = createHistory(store, {
  defaults, isLabel, showPlace, temperatures: snap.temperatures, maxLabels: snap.limits?.link_labels,
  photos: snap.photos.map((p) => p.id), templates: snap.templates.map((t) => t.id),
  towers: snap.towers, attack: snap.attack, live: Boolean(snap.live), models: snap.models?.map((m) => m.id),
});
// the first view is the build's, already on screen: the state it restores and the figures' first run wait for the
// next task, so that the modules' evaluation is not one long task with them (Lighthouse's blocking time)
await new Promise((resolve) => { setTimeout(resolve); });
controls.init(act);
controlBar.init(act);
keepLiveInTab(store);  // live mode on in this tab: its next pages with live labels or a typed word start it

function loadFiguresNear() {  // the last figures' data: fetched when the reader comes near them, not at first view
  if (['pending', 'loaded'].includes(store.getState().figures.state)) return;
  act.figuresLoading();
  loadFigures().then(({ crowding: near, cloud }) => act.figuresLoaded(near, cloud), act.figuresFailed);  // tried again
}
for (const element of byIds('gap', 'crowding')) watch(element, loadFiguresNear);
for (const later of LATER.filter(({ near }) => byIds(...near).length)) {
  firstNear(byIds(...later.near)).then(later.load).then(async ({ figure }) => {
    await figure.init({ act, snap, figures, live: liveMode });  // live: the attack lab stamps a typed word
    lazy.figures.push(forModel(figure));
    lazy.figures.at(-1)(viewOf(store.getState()));
  });
}

pageHistory.apply();
const waits = ({ live, attack }) => live.length || (attack?.live && byIds('attack').length);  // for live mode
if (snap.live && waits(store.getState()) && sessionStorage.getItem(TAB_KEYS.live)) liveMode((ui) => ui.start());
initLinks(pageHistory, store);
const landing = placeLanding(pageHistory.place());
await drawSections();
landing();
document.body.dataset.ready = 'true';
performance.mark('controls-ready');

/** The reader's own photo, kept for this tab by a page of the site (live/ownkept.js): back in the store before the
 * address's view is applied (its photo=own:1 may name it), without the photo tower (its vector was kept); the
 * occlusion map starts live mode when it comes near. A photo that does not come back: the address's notice says so. */
async function restoreKept() {
  try {
    if (!snap.live || !sessionStorage.getItem(TAB_KEYS.ownPhotos)) return;
    const wanted = new URLSearchParams(window.location.hash.slice(1)).get('photo');
    const { restorePhoto } = await import('./live/ownphoto.js');
    await restorePhoto({ store, act, embedOccluded: (...args) => liveMode((ui) => ui.keptOccluded(...args)) }, wanted);
  } catch {
    // no sessionStorage here, or the kept photo did not decode: the page shows the address's view without it
  }
}

/** A link's place (at=figure-13) is no element's id: the browser did not scroll to it, so the page does, and once
 * more after the sections are drawn if that moved it and the reader has not scrolled since. */
function placeLanding(place) {
  if (!place || document.getElementById(place) === document.querySelector(':target') || !showPlace(place)) {
    return () => {};
  }
  const scrolled = scrollY;
  return () => { if (scrollY === scrolled) showPlace(place); };
}

/** On a phone the sections far below the first screen wait undrawn at load (narrow.css, content-visibility): each
 * is drawn now, one per frame, a few milliseconds each, so none of it is a long task. Every section is marked, so a
 * page opened wide and then narrowed skips nothing. */
async function drawSections() {
  for (const section of document.querySelectorAll('main > section')) {
    if (getComputedStyle(section).contentVisibility === 'auto') {
      await new Promise((resolve) => { requestAnimationFrame(resolve); });
    }
    section.dataset.drawn = 'true';
  }
}
