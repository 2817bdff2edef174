// The top-label card and the probability bars: they follow every change, the temperature included.
import { setChart } from '../charts.js';
import { $, percent } from '../dom.js';

export function update(view) {
  $('top-label').textContent = view.labels[view.top];
  $('top-probability').textContent = percent(view.probs[view.top]);
  $('entropy').textContent = view.entropy.toFixed(3);
  $('probabilities-limit').textContent = view.limitNote;
  setChart('probabilities', view.rows);
}
