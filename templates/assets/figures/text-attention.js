// The text side: which tokens the end token (the one whose state becomes the text vector) reads at each layer of
// the text tower, mean over heads, drawn in the causal square whose upper triangle is masked (rules/towers.js
// textAttentionView). data/towers/text.json holds the default labels under each template but the ensemble; it is
// fetched the first time the figure is near. Any other label on the page (a vocabulary label, a live one) comes from
// live mode's text tower when it is on (the graph's end_attention, within the build's bound: live/worker.js), asked
// for when the figure is near and the label chosen; when it is off, the figure offers it. The layer is the store's
// (chooseTextLayer): in the link. A further model chosen (issue 36): its own text.json, the same path under its data
// root (view.modelRoot); a label that is not a default has no numbers there (live mode runs the default model only).
import { $, cell, fillSelect } from '../ui/dom.js';
import { decodeFloat16 } from '../rules/clipmath.js';
import { fillLive, fillTemplate } from '../rules/sentences.js';
import { textAttentionView } from '../rules/towers.js';
import { dataFiles, loaded } from '../ui/datafiles.js';

const texts = dataFiles();  // url -> the fetched file: { layers, templates: { id: { label: { tokens, attention } } } }
let latest = null;
const redraw = () => latest && update(latest);
let chosen = null;   // the label the reader picked here; null: the "why" figures' label (the top one by default)
const computed = new Map();  // "template\nlabel" -> live mode's {tokens, pieces, attention}, null (none within its
                             // bound, or the ask failed), or 'asked' (on its way)

let liveMode = null;  // page.js's: (then) => then(live/liveui.js), loaded and started on first use

function init({ act, snap, live }) {
  liveMode = live;
  document.querySelector('[data-testid=live-start-text-attention]')
    ?.addEventListener('click', () => live((ui) => ui.start()));
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
  const on = view.typed.liveMode === 'on';
  const options = [...known, ...view.labels.filter((l) => !known.includes(l))];
  // the "why" label is followed when it can be drawn; any label on the page when the reader picks it here
  const label = [chosen, view.why.label].find((l, i) => options.includes(l) && (!i || on || known.includes(l)))
    ?? known[0];
  fillSelect($('text-attention-label'), options, label);
  const key = `${view.modelRoot}\n${template}\n${label}\n${layer}`;
  $('text-attention-live')?.toggleAttribute('hidden', on || known.includes(label) || Boolean(view.modelRoot));
  slider.max = String(layers);
  if (figure.dataset.key === key) return;
  if (!known.includes(label)) {
    const found = view.modelRoot ? null : liveNumbers(view, template, label, on);  // live: the default's alone
    if (found && found !== 'asked') draw(found, label, layer, layers, key, template);
    else {
      say(figure, found === 'asked' ? 'loading' : 'none', found === 'asked'
        ? `Live mode is computing the text tower\u2019s attention for \u201c${label}\u201d\u2026`
        : `The build computed this figure for the page\u2019s default labels only${view.modelRoot
          ? '; live mode runs the default model only' : on ? '; live mode gave no attention within its bound for'
          + ' this label' : ''}.`);
      $('text-attention-grid').tHead.replaceChildren();  // no other label's square under this label's name
      $('text-attention-grid').tBodies[0].replaceChildren();
      Object.assign(figure.dataset, { label, layer: String(layer), template });
    }
    return;
  }
  const url = view.modelRoot + view.snap.towers.text;
  const text = loaded(texts(url, (data) => data, redraw));
  if (!text) {
    if (figure.dataset.key === undefined && figure.dataset.label === label && figure.dataset.template === template
      && layer === layers && !view.modelRoot) return;  // the build's square is this view's
    say(figure, 'loading', 'Loading the text tower\u2019s attention…');
    return;
  }
  const record = text.templates[template][label];
  draw({ tokens: record.tokens, pieces: record.tokens.map((id) => view.tokens.piece(id)),
    attention: decodeFloat16(record.attention) }, label, layer, layers, key, template);
}

function say(figure, state, words) {
  delete figure.dataset.key;  // drawn again once the numbers are here
  figure.dataset.state = state;
  $('text-attention-summary').textContent = words;
}

/** Live mode's numbers for a label that is not a default under a single template: computed once (its prompt filled
 * as live mode embeds the label: a live text's article replaces the template's), asked for only while it is on. */
function liveNumbers(view, template, label, on) {
  const name = `${template}\n${label}`;
  if (computed.has(name) || !on) return computed.get(name);
  const words = view.snap.templates.find((t) => t.id === template).text;
  const prompt = view.typed.live.includes(label) ? fillLive(words, label) : fillTemplate(words, label);
  computed.set(name, 'asked');
  liveMode((ui) => ui.endAttention(prompt)).then((found) => {
    computed.set(name, found);
  }, () => computed.set(name, null)).then(redraw);
  return 'asked';
}

/** The causal square of numbers {tokens, pieces, attention (L * n)}. */
function draw({ tokens, pieces, attention }, label, layer, layers, key, template) {
  const figure = document.querySelector('[data-testid=text-attention-figure]');
  const n = tokens.length;
  const drawn = textAttentionView(attention, n, layer, pieces, label, layers);
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
  name: 'text-attention', near: ['text-attention'], reads: ['labels', 'modelRoot', 'snap', 'template', 'tokens',
    'towers', 'typed', 'why'],
  init, update,
};
