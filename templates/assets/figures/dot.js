// The dot product taken apart (why.js's rules): the photo's vector and the label's, bar by bar in dimension
// order; their products sorted by size; the running sum that ends at the cosine. Pointing at or focusing a bar
// marks its dimension in all four panels (one rect moved per panel: nothing costs more than a frame).
import { changed } from '../ui/changed.js';
import { $, cell, fillSelect } from '../ui/dom.js';
import { dotReadout, dotView } from '../rules/why.js';

const SVG = 'http://www.w3.org/2000/svg';
const PANELS = ['image', 'text', 'product', 'sum'];
const HEIGHT = 60;  // each panel's viewBox height; bars grow from the middle
const fresh = changed();
let parts = null;   // dotParts of the view shown
let rankOf = null;  // dimension -> its rank among the sorted products
let rank = null;    // the marked product's rank

function svgChild(parent, tag, className) {
  const el = document.createElementNS(SVG, tag);
  el.setAttribute('class', className);
  parent.append(el);
  return el;
}

/** A panel's drawing: its bars (or line), the zero line and the mark; made once. */
function panel(name) {
  const svg = $(`dot-${name}`);
  if (!svg.firstChild) {
    svgChild(svg, 'line', 'dot-zero');
    svgChild(svg, 'path', name === 'sum' ? 'dot-line' : 'dot-bars');
    if (name === 'sum') svgChild(svg, 'line', 'dot-end');
    const marker = svgChild(svg, 'rect', 'dot-mark');
    marker.setAttribute('width', '1');
    marker.setAttribute('height', String(HEIGHT));
  }
  return svg;
}

/** Bars from y = mid, one per value, scaled so the largest |value| fills the half-height. */
function bars(values) {
  const scale = (HEIGHT / 2 - 1) / Math.max(1e-12, ...values.map(Math.abs));
  return values.map((v, i) => `M${i} ${HEIGHT / 2}V${(HEIGHT / 2 - v * scale).toFixed(2)}h1V${HEIGHT / 2}Z`).join('');
}

function drawPanels() {
  const sums = parts.parts.map((p) => p.sum);
  const low = Math.min(0, ...sums);
  const high = Math.max(0, ...sums);
  const y = (v) => (HEIGHT - 2 - (v - low) / Math.max(1e-12, high - low) * (HEIGHT - 4)).toFixed(2);
  const byDim = [...parts.parts].sort((a, b) => a.dim - b.dim);
  const values = { image: byDim.map((p) => p.image), text: byDim.map((p) => p.text),
    product: parts.parts.map((p) => p.product) };
  for (const name of PANELS) {
    const svg = panel(name);
    const zero = svg.querySelector('.dot-zero');
    const level = name === 'sum' ? y(0) : String(HEIGHT / 2);
    for (const [k, v] of Object.entries({ x1: 0, x2: byDim.length, y1: level, y2: level })) zero.setAttribute(k, v);
    if (name === 'sum') {
      svg.querySelector('.dot-line').setAttribute('d', `M0 ${y(0)}${sums.map((s, i) => `L${i + 1} ${y(s)}`).join('')}`);
      const end = svg.querySelector('.dot-end');
      for (const [k, v] of Object.entries({ x1: 0, x2: sums.length, y1: y(parts.cosine), y2: y(parts.cosine) })) {
        end.setAttribute(k, v);
      }
    } else {
      svg.querySelector('.dot-bars').setAttribute('d', bars(values[name]));
    }
  }
}

/** Mark one product (by rank) in the four panels and say its numbers. */
function mark(next) {
  if (!parts) return;
  rank = Math.max(0, Math.min(parts.parts.length - 1, next));
  const part = parts.parts[rank];
  for (const name of PANELS) {
    const x = name === 'image' || name === 'text' ? part.dim : rank;
    $(`dot-${name}`).querySelector('.dot-mark').setAttribute('x', String(x));
  }
  $('dot-chart').dataset.marked = String(part.dim);
  $('dot-readout').textContent = dotReadout(part, rank);
}

function init({ act }) {
  $('dot-label').addEventListener('change', (e) => act.chooseWhyLabel(e.target.value));
  const chart = $('dot-chart');
  chart.addEventListener('pointermove', (e) => {
    const svg = e.target.closest?.('svg');
    if (!svg || !parts) return;
    const box = svg.getBoundingClientRect();
    const index = Math.floor((e.clientX - box.left) / box.width * parts.parts.length);
    const clamped = Math.max(0, Math.min(parts.parts.length - 1, index));
    const byDim = svg.dataset.panel === 'image' || svg.dataset.panel === 'text';
    mark(byDim ? rankOf[clamped] : clamped);
  });
  chart.addEventListener('keydown', (e) => {
    const steps = { ArrowRight: 1, ArrowLeft: -1, ArrowUp: 1, ArrowDown: -1, PageUp: 10, PageDown: -10 };
    if (e.key === 'Home') mark(0);
    else if (e.key === 'End') mark(Infinity);
    else if (e.key in steps) mark((rank ?? -1) + steps[e.key]);
    else return;
    e.preventDefault();
  });
  chart.addEventListener('focus', () => mark(rank ?? 0));
}

export function update(view) {
  const { label } = view.why;
  fillSelect($('dot-label'), view.labels, label);
  const what = `${view.photo.id}\n${view.template.id}\n${label}`;
  if (!fresh(what)) return;
  parts = dotView(view.image, view.vector(label), label);
  rankOf = [];
  parts.parts.forEach((p, i) => { rankOf[p.dim] = i; });
  const figure = $('dot-figure');
  figure.dataset.label = label;
  figure.dataset.cosine = String(parts.cosine);
  figure.dataset.half = String(parts.half);
  drawPanels();
  if (rank !== null) mark(rank);
  $('dot-summary').textContent = parts.summary;
  for (const name of PANELS) $(`dot-axis-${name}`).textContent = parts.axes[name];
  $('dot-table').tBodies[0].replaceChildren(...parts.cells.map((row) => {
    const tr = document.createElement('tr');
    tr.append(...row.map((v) => cell('td', v, 'num')));
    return tr;
  }));
}

export const figure = {
  name: 'dot', near: ['dot'],
  reads: ['image', 'labels', 'photo', 'template', 'vector', 'why'],
  init, update,
};
