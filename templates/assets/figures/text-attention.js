// The text side: which tokens the end token (the one whose state becomes the text vector) reads at each layer of
// the text tower, mean over heads, drawn in the causal square whose upper triangle is masked (rules/towers.js
// textAttentionView). data/towers/text.json holds the default labels under each template but the ensemble; it is
// fetched the first time the figure is near. The layer is the store's (chooseTextLayer): in the link.
import { $, cell, fillSelect } from '../ui/dom.js';
import { decodeFloat16 } from '../rules/clipmath.js';
import { textAttentionView } from '../rules/towers.js';

let text = null;     // the fetched file: { layers, templates: { id: { label: { tokens, attention } } } }
let loading = null;
let latest = null;
let chosen = null;   // the label the reader picked here; null: the "why" figures' label (the top one by default)

function load(snap) {
  loading ??= fetch(snap.towers.text).then((response) => {
    if (!response.ok) throw new Error(`${snap.towers.text}: HTTP ${response.status}`);
    return response.json();
  }).then((data) => {
    text = data;
    if (latest) update(latest);
  }).catch(() => { loading = null; });
}

function init({ act, snap }) {
  $('text-attention-label').addEventListener('change', (e) => {
    chosen = e.target.value;
    if (latest) update(latest);
  });
  const slider = $('text-attention-layer');
  slider.addEventListener('input', () => act.chooseTextLayer(Number(slider.value)));
  slider.max = String(snap.towers.text_layers);
}

export function update(view) {
  latest = view;
  const layers = view.snap.towers.text_layers;
  const layer = Math.min(view.towers.textLayer ?? layers, layers);
  const slider = $('text-attention-layer');
  slider.value = String(layer);
  slider.setAttribute('aria-valuetext', `layer ${layer} of ${layers}`);
  $('text-attention-layer-out').textContent = `${layer} of ${layers}`;
  const figure = document.querySelector('[data-testid=text-attention-figure]');
  const templates = view.snap.templates.filter((t) => !t.ensemble).map((t) => t.id);
  const template = templates.includes(view.template.id) ? view.template.id : templates[0];
  const known = view.snap.default.labels;
  const label = [chosen, view.why.label].find((l) => known.includes(l)) ?? known[0];
  fillSelect($('text-attention-label'), known, label);
  const key = `${template}\n${label}\n${layer}`;
  if (figure.dataset.key === key) return;
  if (!text) {
    load(view.snap);
    if (figure.dataset.key === undefined && figure.dataset.label === label && figure.dataset.template === template
      && layer === layers) return;  // the build's square is this view's
    figure.dataset.state = 'loading';
    $('text-attention-summary').textContent = 'Loading the text tower\u2019s attention…';
    return;
  }
  const record = text.templates[template][label];
  const n = record.tokens.length;
  const drawn = textAttentionView(decodeFloat16(record.attention), n, layer,
    record.tokens.map((id) => view.tokens.piece(id)), label, layers);
  const head = document.createElement('tr');
  head.append(cell('th', 'token'), ...drawn.columnHeads.map((name) => cell('th', name)));
  $('text-attention-grid').tHead.replaceChildren(head);
  $('text-attention-grid').tBodies[0].replaceChildren(...drawn.rowHeads.map((name, from) => {
    const tr = document.createElement('tr');
    const th = cell('th', name);
    th.scope = 'row';
    tr.append(th, ...drawn.cells.slice(from * n, (from + 1) * n).map((c) => {
      const td = cell('td', c.shown, c.kind === 'value' ? `value shade-${c.shade}` : c.kind);
      if (c.kind === 'value') {
        Object.assign(td.dataset, { from: String(c.from), to: String(c.to), value: String(c.value) });
      }
      if (c.kind === 'masked') td.title = 'masked: a later token';
      return td;
    }));
    return tr;
  }));
  Object.assign(figure.dataset, { key, state: 'ready', label, layer: String(layer), template });
  $('text-attention-summary').textContent = drawn.summary;
}

export const figure = {
  name: 'text-attention', near: ['text-attention'], reads: ['snap', 'template', 'tokens', 'towers', 'why'],
  init, update,
};
