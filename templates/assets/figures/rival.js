// Two labels side by side (why.js's rules): the label the "why" figures explain against a rival (the store's one
// rival, chosen here or in the occlusion map; by default the runner-up). Where in the photo each wins (the
// difference map, drawn from the occluded vectors every map shares: ui/occlusionmaps.js), which dimensions
// separate them, and what the softmax makes of their margin at the current temperature. A further model shown
// (issue 36): its own occluded vectors on its own grid (occludedFor under view.modelRoot).
import { dot } from '../rules/clipmath.js';
import { $, cell, fillSelect, rowHeader } from '../ui/dom.js';
import { drawMap, occludedFor } from '../ui/occlusionmaps.js';
import { marginProjection, projectionSentence, randomRotation, rotate, rotationSentence } from '../rules/rotation.js';
import { BARS, marginBars, marginCells, marginParts, marginSummary, rivalView } from '../rules/why.js';

const SVG = 'http://www.w3.org/2000/svg';
let latest = null;
let mapKey;  // "photo\ntemplate\nlabel\nrival" of the map on screen (the build's at first), null: none
let rotations = 0;     // random rotations of the space applied so far (the lesson: bars change, cosines do not)
let mirrors = [];      // their mirrors (rotation.js), in order

function init({ act }) {
  $('rival-label').addEventListener('change', (e) => act.chooseWhyLabel(e.target.value));
  $('rival-select').addEventListener('change', (e) => act.chooseRival(e.target.value));
  $('rival-rotate').addEventListener('click', () => {
    rotations += 1;
    mirrors = [...mirrors, ...randomRotation(rotations, latest.image.length)];
    redraw();
  });
  $('rival-unrotate').addEventListener('click', () => {
    rotations = 0;
    mirrors = [];
    redraw();
  });
}

/** The bars, their sentence and table in the rotated space (none: CLIP's axes), and the cosines there. */
function rotated(shown, image, text, rivalText, label, rival) {
  if (!rotations) return { label: dot(image, text), rival: dot(image, rivalText) };
  const [v, t, r] = [image, text, rivalText].map((x) => rotate(x, mirrors));
  const parts = marginParts(v, t, r);
  Object.assign(shown, marginBars(parts), { summary: marginSummary(label, rival, parts), cells: marginCells(parts) });
  return { label: dot(v, t), rival: dot(v, r) };
}

function svgChild(parent, tag, attributes, className) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
  if (className) el.setAttribute('class', className);
  parent.append(el);
  return el;
}

/** The dimension bars, as the build writes them (templates/widgets/rival.html). */
function drawBars({ bars, height }) {
  const svg = $('rival-bars');
  svg.setAttribute('viewBox', `0 0 ${BARS.width} ${height}`);
  svg.replaceChildren();
  svgChild(svg, 'line', { x1: BARS.zero, x2: BARS.zero, y1: 0, y2: height }, 'rival-zero');
  for (const bar of bars) {
    const g = svgChild(svg, 'g', { 'data-dim': bar.dim, 'data-favours': bar.favours });
    svgChild(g, 'text', { x: 0, y: bar.y + BARS.bar - 1 }, 'rival-dim').textContent = bar.name;
    svgChild(g, 'rect', { x: bar.x, y: bar.y, width: bar.width, height: BARS.bar }, `rival-bar-${bar.favours}`);
  }
}

/** The difference map: drawn when the photo's occluded vectors are here; until then the map on screen stays if it
 *  is this view's (the build's, before the vectors land), else a note (loading, or none for the reader's photo). */
function drawDifference(view, shown, key) {
  const box = $('rival-map');
  const own = !view.snap.photos.some((p) => p.id === view.photo.id);
  if (shown.map) {
    drawMap(box, shown.map);
    if (!own) $('rival-photo').src = `${view.modelRoot}seen/${view.photo.id}-input.png`;  // own: no seen/ file
    $('rival-photo').hidden = own;
    box.dataset.state = 'ready';
    $('rival-map-note').textContent = shown.map.summary;
    mapKey = key;
  } else if (mapKey !== key) {
    box.dataset.state = own ? 'own' : 'loading';
    $('rival-map-note').textContent = own ? 'Your photo\'s map comes once live mode has embedded its occluded '
      + 'copies (see the occlusion map above); the dimensions and the probabilities are already its own.'
      : 'Loading the occluded vectors…';
    mapKey = null;
  }
  $('rival-stage').hidden = own && !shown.map;
}

const redraw = () => latest && update(latest);  // when the occluded vectors land
const keyOf = ({ photo, template, label, rival, model = '' }) => `${photo}\n${template}\n${label}\n${rival}\n${model}`;

export function update(view) {
  latest = view;
  const { label, versus: rival } = view.why;
  const figure = $('rival-figure');
  if (mapKey === undefined) mapKey = $('rival-map').dataset.state === 'ready' ? keyOf(figure.dataset) : null;
  fillSelect($('rival-label'), view.labels, label);
  fillSelect($('rival-select'), view.labels.filter((l) => l !== label), rival ?? '');
  figure.dataset.label = label;
  figure.dataset.rival = rival ?? '';
  figure.dataset.photo = view.photo.id;
  figure.dataset.template = view.template.id;
  figure.dataset.tau = String(view.tau);
  $('rival-none').hidden = Boolean(rival);
  $('rival-body').hidden = !rival;
  if (!rival) {
    for (const key of ['margin', 'gap', 'logit', 'ratio']) delete figure.dataset[key];
    return;
  }
  const at = (l) => view.labels.indexOf(l);
  const key = keyOf({ photo: view.photo.id, template: view.template.id, label, rival, model: view.modelRoot });
  const own = !view.snap.photos.some((p) => p.id === view.photo.id);  // its vectors from live mode (ownphoto.js)
  const occluded = own ? view.ownOcclusion?.vectors ?? null : occludedFor(view.snap, view.photo.id, redraw,
    view.modelRoot);
  const shown = rivalView({ image: view.image, text: view.vector(label), rivalText: view.vector(rival), occluded,
    grid: view.snap.occlusion.grid, label, rival, pLabel: view.probs[at(label)], pRival: view.probs[at(rival)],
    tau: view.tau });
  Object.assign(figure.dataset, shown.attributes, { model: view.model.shown?.id ?? '' });
  const [text, rivalText] = [view.vector(label), view.vector(rival)];
  const cosines = rotated(shown, view.image, text, rivalText, label, rival);
  Object.assign(figure.dataset, { rotation: String(rotations), cosLabel: String(cosines.label),
    cosRival: String(cosines.rival) });
  $('rival-projection').textContent = projectionSentence(label, rival, marginProjection(view.image, text, rivalText));
  $('rival-rotation').textContent = rotationSentence(rotations, label, rival, cosines);
  $('rival-unrotate').hidden = rotations === 0;
  drawDifference(view, shown, key);
  $('rival-sentence').textContent = shown.sentence;
  drawBars(shown);
  $('rival-summary').textContent = shown.summary;
  $('rival-head-label').textContent = label;
  $('rival-head-rival').textContent = rival;
  $('rival-table').tBodies[0].replaceChildren(...shown.cells.map(([head, ...values]) => {
    const tr = document.createElement('tr');
    tr.append(rowHeader(head), ...values.map((v) => cell('td', v, 'num')));
    return tr;
  }));
}

export const figure = {
  name: 'rival', near: ['rival'],
  reads: ['image', 'labels', 'model', 'modelRoot', 'ownOcclusion', 'photo', 'probs', 'snap', 'tau', 'template',
    'vector', 'why'],
  init, update,
};
