// A label is one thing across the page: pointing at or focusing a label anywhere (a label row, a chip of the
// control bar, a row or column of a figure's table, a token line, a chart's mark) puts it in the store
// (hoverLabel), and every figure highlights it: the page's elements that carry the label get data-hovered,
// the charts a Vega signal (charts.js highlightLabel: no new rows, no re-render of the data).
import { highlightLabel, onChartHover } from './charts.js';

// the elements that stand for one label (data-label); the "why" figures' data-label names what they explain
const LABELS = 'tr[data-label], th[data-label], li[data-label], .token-line[data-label]';

const labelAt = (target) => (target instanceof Element ? target.closest(LABELS)?.dataset.label ?? null : null);

/** store: the page's store; act: its actions, bound. */
export function initHover(store, act) {
  document.addEventListener('pointerover', (event) => act.hoverLabel(labelAt(event.target)));
  document.addEventListener('focusin', (event) => act.hoverLabel(labelAt(event.target)));
  document.addEventListener('focusout', (event) => event.relatedTarget || act.hoverLabel(null));
  onChartHover((label) => act.hoverLabel(label));
  let shown = null;  // the label highlighted now
  store.subscribe((state) => {
    // a hovered label that is no longer a candidate (removed from its own chip) highlights nothing
    const label = state.labels.includes(state.hovered) ? state.hovered : null;
    if (label === null && shown === null) return;
    // the rows a figure rebuilt meanwhile are marked again
    for (const element of document.querySelectorAll('[data-hovered]')) delete element.dataset.hovered;
    if (label !== null) {
      for (const element of document.querySelectorAll(LABELS)) {
        if (element.dataset.label === label) element.dataset.hovered = 'true';
      }
    }
    if (label !== shown) highlightLabel(label);
    shown = label;
  });
}
