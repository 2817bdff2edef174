// Vega views (specs compiled at build time, expressions interpreted: no eval under the CSP). New rows are
// drawn on the next frame, once per frame; body[data-charts] is 'drawn' when all are (tests wait on it).
import { expressionInterpreter } from '../vendor/vega-interpreter.js';
import { snap } from './data.js';

const views = new Map();      // chart name -> vega.View, made on the first rows
const hooks = new Map();      // chart name -> (view, container) => void, run once the view exists
const pendingData = new Map();  // chart name -> rows, applied together on the next frame
let drawing = 0;

/** hook(view, container) runs when the view is made (clicks, drags). */
export function onChart(name, hook) {
  hooks.set(name, hook);
}

const PHONE = 480;  // px: narrower charts set their horizontal axis labels level

/** The spec with rotated bottom-axis labels set level, each cut to its band (the tooltip and table have them whole). */
function unrotated(spec) {
  if (!spec.axes?.some((axis) => axis.orient === 'bottom' && axis.labelAngle)) return spec;
  return {
    ...spec,
    axes: spec.axes.map((axis) => (axis.orient === 'bottom' && axis.labelAngle ? {
      ...axis, labelAngle: 0, labelAlign: 'center', labelBaseline: 'top',
      labelLimit: { signal: "max(20, bandwidth('x') - 4)" },
    } : axis)),
  };
}

export function setChart(name, values) {
  if (!pendingData.size) requestAnimationFrame(drawCharts);
  pendingData.set(name, values);
  document.body.dataset.charts = 'drawing';
}

function drawCharts() {
  for (const [name, values] of pendingData) {
    if (!views.has(name)) {
      const container = document.querySelector(`[data-chart="${name}"]`);
      if (!container || !globalThis.vega) continue;  // no such widget on the page, or Vega failed to load
      const spec = container.clientWidth < PHONE ? unrotated(snap.charts[name]) : snap.charts[name];
      const runtime = vega.parse(spec, null, { ast: true });
      const view = new vega.View(runtime, { expr: expressionInterpreter, renderer: 'canvas', container, hover: true });
      views.set(name, view);
      container.vegaView = view;  // read by the browser tests (drawn label boxes)
      hooks.get(name)?.(view, container);
    }
    drawing += 1;
    views.get(name).data('values', values).runAsync().finally(() => {
      drawing -= 1;
      if (drawing === 0 && !pendingData.size) document.body.dataset.charts = 'drawn';
    });
  }
  pendingData.clear();
  if (drawing === 0) document.body.dataset.charts = 'drawn';  // nothing was drawn
}
