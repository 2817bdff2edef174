// Vega views (specs compiled at build time, expressions interpreted: no eval under the CSP), made only for
// charts near the screen. Until then a chart shows the build's SVG of the default view (an <img>), and
// the Vega runtime itself loads when the first chart needs it. setChart() keeps each chart's newest rows;
// a chart near the screen draws them on the next frame, all such charts in one batch, by handing the new
// rows to its existing view; a chart far away keeps them, marked stale, until it comes near.
// body[data-charts] is 'drawn' when no chart near the screen waits for rows (tests wait on it).
// While the view is the build's own (page.js showingBuilt) the static SVG shows exactly these rows: a chart keeps it,
// and no Vega loads with the first view (issue 32: a page's first view), until the view differs, the reader scrolls
// or points at / focuses a chart, or a label is highlighted; then the kept rows are drawn as any others.
import { NARROW_MEDIA, NARROW_TRANSPOSED } from '../rules/layout.js';
import { narrowSpec, templateName } from '../rules/narrow.js';
import { afterReports, isNear, isPlaced, watch } from './nearby.js';
import { snap } from './snapshot.js';

const views = new Map();    // chart name -> vega.View, made when the chart first comes near
const hooks = new Map();    // chart name -> (view, container) => void, run once the view exists
const waiting = new Map();  // chart name -> its newest rows, not drawn yet
const drawn = new Map();    // chart name -> the rows its view holds (drawn again when the layout changes)
const staggered = new Set();  // charts whose view has a narrow layout: their labels' rows depend on the fit
const narrowScreen = matchMedia(NARROW_MEDIA);
let frame = 0;              // the requested animation frame, 0 when none
let drawing = 0;            // batches between their frame and the end of their Vega runs
let runtime = null;         // promise of the expression interpreter, once vega.min.js is loaded
const HOVER = 'hover_label';  // the signal of the charts that highlight the hovered label (explainer/charts.py)
let hovered = '';           // the label they highlight (store.js hoverLabel), '' when none
let onHover = () => {};     // hands a label pointed at in a chart (null: none) to the store
let built = false;          // the view is the build's default view, the one the static SVGs show
let woken = false;          // the reader has scrolled or reached for a chart: charts are made as they come near
const kept = new Map();     // chart name -> rows the build's SVG already shows, held while nothing needs a view

const containerOf = (name) => document.querySelector(`[data-chart="${name}"]`);

/** hook(view, container) runs when the view is made (clicks, drags). */
export function onChart(name, hook) {
  hooks.set(name, hook);
}

/** handler(label | null) runs when the pointer enters or leaves a label's mark in a chart. */
export function onChartHover(handler) {
  onHover = handler;
}

const hoverable = (name) => snap.charts[name].signals?.some((signal) => signal.name === HOVER);

/** Highlight a label (null: none) in every live chart that can; a chart made later starts with it. A signal
 *  only: the chart's rows stay, so Vega re-encodes the marks without new data. */
export function highlightLabel(label) {
  hovered = label ?? '';
  if (hovered) wake();
  for (const [name, view] of views) if (hoverable(name)) view.signal(HOVER, hovered).runAsync();
}

// the label of a chart's mark: its row's label, or a gap chart point's name when that point is a label
const labelOfMark = (item) => item?.datum?.label ?? (item?.datum?.kind === 'label' ? item.datum.name : undefined);

/** The chart's spec for this screen: on a narrow one, its narrow layout (level, staggered axis labels; the
 *  template heatmap's columns by their short names; the matrix transposed, its photos' columns by their ids),
 *  as the narrow static SVG that showed first. */
function specFor(name) {
  const spec = snap.charts[name];
  if (!narrowScreen.matches) return spec;
  const short = {
    templates: () => Object.fromEntries(snap.templates.map((t) => [templateName(t, snap.ensemble_size), t.short])),
    matrix: () => Object.fromEntries(snap.photos.map((photo) => [photo.title, photo.id])),
  }[name]?.() ?? null;
  return narrowSpec(spec, short, NARROW_TRANSPOSED.includes(name)) ?? spec;
}

/** Whether the view the figures are computing is the build's default one (its SVGs show it); a change wakes.
 *  isBuilt() is asked only until the charts are woken: from then on every chart is a view, whatever the view. */
export function showingBuilt(isBuilt) {
  if (woken) return;
  built = isBuilt();
  if (!built) wake();
}

/** The charts come alive: those holding the build's rows get them as a view when near. */
function wake() {
  if (woken) return;
  woken = true;
  for (const [name, values] of kept) if (!waiting.has(name)) setChart(name, values);
  kept.clear();
}
addEventListener('scroll', wake, { once: true, passive: true });
for (const type of ['pointerover', 'pointerdown', 'focusin']) {
  document.addEventListener(type, (event) => event.target.closest?.('[data-chart]') && wake(), { passive: true });
}

export function setChart(name, values) {
  const container = containerOf(name);
  if (!container) return;  // no such widget on the page
  if (built && !woken && !views.has(name)) {
    kept.set(name, values);  // the SVG on screen is these rows
    return;
  }
  if (!waiting.has(name) && !container.dataset.watched) {
    container.dataset.watched = 'true';
    watch(container, () => { if (waiting.has(name)) schedule(); });
  }
  waiting.set(name, values);
  container.dataset.stale = 'true';
  if (isNear(container)) schedule();
  else settle();
}

// The charts are drawn just after the next paint, not before it: the reader's control and the label table answer
// in that frame, and Vega's dataflow (10-20 ms on a phone's first change) does not hold it back (the bench's
// interaction rows time input to the next paint)
function schedule() {
  document.body.dataset.charts = 'drawing';
  frame ||= requestAnimationFrame(() => { setTimeout(drawNear); });
}

/** The Vega runtime, loaded on first need: a classic script of our own origin, then the interpreter. */
function loadVega() {
  runtime ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL('../../vendor/vega.min.js', import.meta.url).href;
    script.addEventListener('load', resolve);
    script.addEventListener('error', () => reject(new Error('the Vega runtime did not load')));
    document.head.append(script);
  }).then(() => import('../../vendor/vega-interpreter.js')).then((module) => module.expressionInterpreter);
  return runtime;
}

function makeView(name, expr) {
  const container = containerOf(name);
  const spec = specFor(name);
  if (spec === snap.charts[name]) staggered.delete(name);
  else staggered.add(name);
  const view = new vega.View(vega.parse(spec, null, { ast: true }),
    { expr, renderer: 'canvas', container, hover: true });
  container.querySelector('.chart-picture, .chart-static')?.remove();  // the live view takes the static SVG's place
  container.dataset.view = 'live';
  views.set(name, view);
  container.vegaView = view;  // read by the browser tests (drawn label boxes)
  if (hoverable(name)) {
    view.signal(HOVER, hovered);
    view.addEventListener('mouseover', (_, item) => labelOfMark(item) !== undefined && onHover(labelOfMark(item)));
    view.addEventListener('mouseout', (_, item) => labelOfMark(item) !== undefined && onHover(null));
  }
  hooks.get(name)?.(view, container);
  return view;
}

async function drawNear() {
  frame = 0;
  const names = [...waiting.keys()].filter((name) => isNear(containerOf(name)));
  if (!names.length) return settle();
  drawing += 1;
  try {
    const expr = await loadVega();
    const runs = [];
    for (const name of names) {
      if (!waiting.has(name)) continue;  // drawn by an earlier batch meanwhile
      const view = views.get(name) ?? makeView(name, expr);
      view.data('values', waiting.get(name));
      drawn.set(name, waiting.get(name));
      waiting.delete(name);
      delete containerOf(name).dataset.stale;
      // staggered labels take as many rows as the fitted columns need: lay the chart out once more to fit them
      runs.push(view.runAsync().then(() => (staggered.has(name) ? view.resize().runAsync() : view)));
    }
    await Promise.allSettled(runs);
  } catch (error) {
    console.warn(error.message);  // the static SVGs stay: the page's numbers and tables still work
    for (const name of names) waiting.delete(name);
  } finally {
    drawing -= 1;
    settle();
  }
}

afterReports(settle);

// A phone turned across the breakpoint: each live chart whose layout differs there (the heatmaps) is made
// again, once, with the layout for the new width and the rows it holds (charts far away when they come near).
narrowScreen.addEventListener('change', () => {
  for (const [name, view] of views) {
    if (staggered.has(name) === (specFor(name) !== snap.charts[name])) continue;  // the same layout either way
    view.finalize();
    containerOf(name).querySelector('canvas')?.remove();
    views.delete(name);
    if (!waiting.has(name)) waiting.set(name, drawn.get(name));
    containerOf(name).dataset.stale = 'true';
    if (isNear(containerOf(name))) schedule();
  }
  settle();
});  // a chart placed far away no longer holds 'drawn' back

function settle() {
  // a chart the observer has not placed yet may turn out to be near: not 'drawn' before it knows
  const pending = [...waiting.keys()].some((name) => isNear(containerOf(name)) || !isPlaced(containerOf(name)));
  if (!drawing && !frame && !pending) document.body.dataset.charts = 'drawn';
}
