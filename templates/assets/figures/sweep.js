// The temperature sweep: every grid temperature at once, the current one marked. Dragging along the chart
// moves the temperature to the nearest grid point.
import { argmax, entropy, nearestIndex, softmax } from '../rules/clipmath.js';
import { changed } from '../ui/changed.js';
import { onChart, setChart } from '../ui/charts.js';
import { $ } from '../ui/dom.js';
import { sweepRows } from '../rules/rows.js';
import { sweepSummary } from '../rules/sentences.js';

const fresh = changed();
let sweep = null;  // the probabilities at every grid temperature, for the scored view drawn last
let temperatures = [];

/** act.setTemperature(index) moves the temperature to a grid point. */
export function init({ act: actions, snap }) {
  temperatures = snap.temperatures;
  onChart('sweep', (chart, container) => {
    const pick = (event) => {
      const canvas = container.querySelector('canvas');
      if (!canvas || !(event.buttons & 1)) return;
      const x = event.clientX - canvas.getBoundingClientRect().left - chart.origin()[0];
      const value = chart.scale('x').invert(x);
      if (!(value > 0)) return;
      actions.setTemperature(nearestIndex(temperatures, value));
      event.preventDefault();
    };
    container.addEventListener('pointerdown', pick);
    container.addEventListener('pointermove', pick);
  });
}

export function update(view) {
  if (fresh(view.scored)) {  // the similarities changed: recompute the curves
    const probs = view.snap.temperatures.map((t) => softmax(view.sims, t));
    sweep = { probs, entropy: probs.map(entropy) };
  }
  setChart('sweep', sweepRows(view.rows, view.snap.temperatures, sweep.probs, sweep.entropy, view.tau));
  const top = argmax(view.probs);
  $('sweep-summary').textContent = sweepSummary(view.tau, view.labels[top], view.probs[top], view.entropy);
}

export const figure = {
  name: 'sweep', near: ['sweep'],
  reads: ['entropy', 'labels', 'probs', 'rows', 'scored', 'sims', 'snap', 'tau'],
  init, update,
};
