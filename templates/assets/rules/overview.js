// The overview figure at the top of the page: the zero-shot pipeline as one diagram that is also the table of
// contents. Pure: the build (explainer/views.py) draws its static SVG for the first paint and readers without
// JavaScript from overviewFigure(), and figures/overview.js writes the same function's texts and colours into
// that SVG as the reader changes the view. Two layouts: wide (two paths side by side, the head on the right) and
// narrow (the paths as two columns, the head below), chosen by the page's NARROW_MEDIA.
import { fillTemplate, percent, threeDigits } from './sentences.js';
import { countTokens } from './tokenlayout.js';

/** The nodes in reading order: each links to its widget's figure (#figure-N) or, without one, its section. */
export const NODES = [
  { id: 'photo', title: 'photo', figure: 'photo-picker', section: 'prelude' },
  { id: 'crop', title: 'crop, patches', figure: 'seen', section: 'two-encoders' },
  { id: 'image-tower', title: 'image tower', section: 'two-encoders' },
  { id: 'image-vector', title: 'image vector', figure: 'image-vector', section: 'two-encoders' },
  { id: 'label', title: 'label', figure: 'label-editor', section: 'text-encoder' },
  { id: 'template', title: 'template', figure: 'template-picker', section: 'text-encoder' },
  { id: 'tokens', title: 'tokens', figure: 'tokens', section: 'text-encoder' },
  { id: 'text-tower', title: 'text tower', section: 'text-encoder' },
  { id: 'text-vector', title: 'text vector', figure: 'text-vector', section: 'text-encoder' },
  { id: 'cosine', title: 'cosine', figure: 'similarities', section: 'cosine' },
  { id: 'temperature', title: 'divided by τ', figure: 'temperature', section: 'softmax' },
  { id: 'softmax', title: 'softmax', section: 'softmax' },
  { id: 'probability', title: 'probability', figure: 'predictions', section: 'softmax' },
];
const EDGES = [['photo', 'crop'], ['crop', 'image-tower'], ['image-tower', 'image-vector'], ['label', 'template'],
  ['template', 'tokens'], ['tokens', 'text-tower'], ['text-tower', 'text-vector'], ['image-vector', 'cosine'],
  ['text-vector', 'cosine'], ['cosine', 'temperature'], ['temperature', 'softmax'], ['softmax', 'probability']];

export const STRIP_CELLS = 2 * 32;  // a vector drawn as two rows of 32 cells, each the mean of dim / STRIP_CELLS
const STRIP_ROWS = 2;
// diverging, nine steps: negative blue, zero pale, positive orange (the cell's mean over the strip's largest)
const PALETTE = ['#1f4fbf', '#3867d6', '#7b9ae4', '#bccbf1', '#f2f0ea', '#f7c9a3', '#f0a05e', '#d9731f', '#a34f00'];
const LINES = 3;         // value lines a node without a picture has room for (unused ones are empty)
const CHAR = 0.56;       // a character's width in em, generous, to cut a line before it leaves its box
const TITLE_FONT = 11;   // px, the smallest text on the page (layout.js FONT)
const VALUE_FONT = 11;
const PAD = 6;

/** The boxes of one layout: { width, height, boxes: { node: [x, y, w, h] } }. */
function layout(narrow) {
  const boxes = {};
  const head = ['cosine', 'temperature', 'softmax', 'probability'];
  const text = ['label', 'template', 'tokens', 'text-tower', 'text-vector'];
  if (!narrow) {  // 704 px, the text column at 1280 px: five path columns, the head in a sixth
    const w = 96, g = 12, h = 78, rowGap = 26, headX = 5 * (w + g), headW = 704 - headX;
    const at = (col, row, span = 1) => [col * (w + g), row * (h + rowGap), span * w + (span - 1) * g, h];
    Object.assign(boxes, { photo: at(0, 0, 2), crop: at(2, 0), 'image-tower': at(3, 0), 'image-vector': at(4, 0) });
    text.forEach((id, i) => { boxes[id] = at(i, 1); });
    const headH = (2 * h + rowGap - 3 * 10) / 4;
    head.forEach((id, i) => { boxes[id] = [headX, i * (headH + 10), headW, headH]; });
    return { width: 704, height: 2 * h + rowGap, boxes };
  }
  // 343 px, a 375 px phone's text column: the image path on the left, the text path on the right, the head below
  const w = (343 - 12) / 2, h = 74, g = 16;
  const at = (col, row, span = 1) => [col * (w + 12), row * (h + g), w, span * h + (span - 1) * g];
  Object.assign(boxes, { photo: at(0, 0), crop: at(0, 1), 'image-tower': at(0, 2, 2), 'image-vector': at(0, 4) });
  text.forEach((id, i) => { boxes[id] = at(1, i); });
  const top = 5 * (h + g) + 4, headH = 36;
  head.forEach((id, i) => { boxes[id] = [0, top + i * (headH + g), 343, headH]; });
  return { width: 343, height: top + 4 * headH + 3 * g, boxes };
}

/** An arrow from box a to box b: [its line, its head], straight along a path, an elbow into the cosine. */
function edgePath(a, b) {
  const [ax, ay, aw, ah] = a, [bx, by, , bh] = b;
  const r = (v) => Math.round(v * 10) / 10;
  if (ax + aw <= bx) {  // b to the right
    const y1 = ay + ah / 2, y2 = Math.min(Math.max(y1, by + 8), by + bh - 8), end = r(bx - 2);
    const head = `M${end - 5},${r(y2 - 3)}L${end},${r(y2)}L${end - 5},${r(y2 + 3)}Z`;
    if (y1 === y2) return [`M${r(ax + aw)},${r(y1)}H${end - 4}`, head];
    const mx = r(ax + aw + (bx - ax - aw) / 2);
    return [`M${r(ax + aw)},${r(y1)}H${mx}V${r(y2)}H${end - 4}`, head];
  }
  const x = r(ax + aw / 2), end = r(by - 2);  // b below
  return [`M${x},${r(ay + ah)}V${end - 4}`, `M${r(x - 3)},${end - 5}L${x},${end}L${r(x + 3)},${end - 5}Z`];
}

/** Words cut into lines of at most `room` characters, at most `count` lines, the last one ending in "…" when
 *  the text does not fit. */
export function wrap(text, room, count) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (next.length <= room) line = next;
    else {
      if (line) lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  const kept = lines.slice(0, count).map((l) => (l.length > room ? `${l.slice(0, room - 1)}…` : l));
  if (lines.length > count) kept[count - 1] = `${kept[count - 1].slice(0, room - 1)}…`;
  return kept;
}

/** A (dim,) vector as STRIP_CELLS colours: each cell the mean of its dim / STRIP_CELLS numbers, on the palette
 *  scaled by the strip's largest |mean|. */
export function stripColours(vector) {
  const per = Math.max(1, Math.floor(vector.length / STRIP_CELLS));
  const means = Array.from({ length: STRIP_CELLS }, (_, i) => {
    let sum = 0;
    for (let j = i * per; j < Math.min((i + 1) * per, vector.length); j += 1) sum += vector[j];
    return sum / per;
  });
  const largest = Math.max(...means.map(Math.abs)) || 1;
  const middle = (PALETTE.length - 1) / 2;
  return means.map((m) => PALETTE[Math.round(middle + (middle * m) / largest)]);
}

/** Each node's value lines (before cutting) and the figure's sentence. v: see overviewFigure. */
export function overviewTexts(v) {
  const { image_size: size, patch_size: patch, dim, context_length: context } = v.sizes;
  const side = Math.round(size / patch);
  const filled = v.template.ensemble ? `mean of ${v.ensembleSize} sentences`
    : fillTemplate(v.template.text, v.label);
  let tokens = ['…'];
  if (v.tokens) {
    const { kept, cut } = countTokens(v.tokens);
    tokens = [v.template.ensemble ? `${kept} for the label` : `${kept} tokens`, ...(cut ? [`${cut} cut`] : [])];
  }
  const scaled = v.cosine / v.tau;
  const values = {
    photo: [v.photo.title], crop: [`${size} × ${size} px,`, `${side} × ${side} patches`],
    'image-tower': [`${side * side + 1} tokens,`, 'class token out'], 'image-vector': [`${dim} numbers`],
    label: [`“${v.label}”`, `top of ${v.count}`], template: [filled], tokens,
    'text-tower': [`≤ ${context} tokens,`, 'end token out'], 'text-vector': [`${dim} numbers`],
    cosine: [threeDigits(v.cosine)], temperature: [`÷ ${threeDigits(v.tau)} = ${threeDigits(scaled)}`],
    softmax: [`over ${v.count} label${v.count === 1 ? '' : 's'}`],
    probability: [`${percent(v.probability)} “${v.label}”`],
  };
  const template = v.template.ensemble ? `the ensemble of ${v.ensembleSize} templates` : `“${filled}”`;
  const desc = `The zero-shot pipeline for the photo “${v.photo.title}” and its top label “${v.label}”: the photo `
    + `is cut to ${size} × ${size} pixels in ${side * side} patches and becomes a ${dim}-number image vector; the `
    + `label is written as ${template}, read as tokens and becomes a ${dim}-number text vector; their cosine is `
    + `${threeDigits(v.cosine)}, divided by τ = ${threeDigits(v.tau)} it is ${threeDigits(scaled)}, and the softmax `
    + `over ${v.count} labels gives “${v.label}” ${percent(v.probability)}.`;
  return { values, desc };
}

const round = (n) => Math.round(n * 100) / 100;

/** One node in its box: where its title, value lines, photo or strip go, and its text. Kinds of box: a path's
 *  (title, then up to LINES lines, or one line under a picture), the wide photo's (the picture on the left,
 *  the lines beside it), a head's (title and one line: stacked, or side by side when wide). */
function placeNode(node, [x, y, w, h], words, strip, v) {
  const out = { ...node, box: [x, y, w, h], label: `${node.title}: ${words.join(' ')}`, titleAt: [x + PAD, y + 16],
    image: null, strip: null, figure: node.figure ?? null };
  const roomIn = (width) => Math.floor((width - 2 * PAD) / (VALUE_FONT * CHAR));
  let count = LINES, room = roomIn(w), at = (i) => [x + PAD, y + 36 + i * 15], anchor = 'start';
  if (h < 50 && w > 200) {  // a head box, wide: title left, value right
    Object.assign(out, { titleAt: [x + PAD, y + h / 2 + 4] });
    [count, room, anchor] = [1, roomIn(w / 2), 'end'];
    at = () => [x + w - PAD, y + h / 2 + 4];
  } else if (h < 50) {
    Object.assign(out, { titleAt: [x + PAD, y + 14] });
    count = 1;
    at = () => [x + PAD, y + h - 7];
  } else if (node.id === 'photo' && w > 180) {  // the picture on the left, the lines beside it
    const side = Math.round((h - 30) * 1.5);
    out.image = { x: x + PAD, y: y + 22, w: side, h: h - 30, href: v.photo.thumb };
    room = roomIn(w - side - PAD);
    at = (i) => [x + 2 * PAD + side, y + 36 + i * 15];
  } else if (node.id === 'photo' || strip) {
    count = 1;
    at = () => [x + PAD, y + h - 8];
    if (node.id === 'photo') out.image = { x: x + PAD, y: y + 22, w: w - 2 * PAD, h: h - 44, href: v.photo.thumb };
  }
  if (strip) {
    const cols = STRIP_CELLS / STRIP_ROWS, cw = (w - 2 * PAD) / cols, ch = (h - 44) / STRIP_ROWS;
    const cell = (i) => `M${round(x + PAD + (i % cols) * cw)},${round(y + 22 + Math.floor(i / cols) * ch)}`
      + `h${round(cw)}v${round(ch)}h${-round(cw)}z`;
    // one path per colour of the palette (empty when unused): a few elements, always the same ones
    out.strip = PALETTE.map((fill) => ({ fill, d: strip.map((f, i) => (f === fill ? cell(i) : '')).join('') }));
  }
  const wrapped = count > 1 ? words.flatMap((line) => wrap(line, room, count)) : wrap(words.join(' '), room, 1);
  if (wrapped.length > count) wrapped[count - 1] = `${wrapped[count - 1].slice(0, room - 1)}…`;
  const text = [...wrapped.slice(0, count), ...Array(count).fill('')].slice(0, count);
  out.lines = text.map((line, i) => ({ x: round(at(i)[0]), y: round(at(i)[1]), text: line }));
  out.anchor = anchor;
  return out;
}

/** The figure in one layout. v: { photo: {title, thumb (a URL, or null: the reader's photo)}, sizes: the
 *  snapshot's model sizes, label (the top label), count (labels scored), template: {text, ensemble},
 *  ensembleSize, tokens (the top label's laid-out tokens, tokenlayout.js, or null until loaded), image and text:
 *  the two (dim,) vectors, cosine, tau, probability }. -> { width, height, desc, edges: {lines, heads} (two paths),
 *  nodes: [{ id, title, figure, section, box, label (for screen readers), lines: [{x, y, text}], titleAt, image or
 *  strip: [{fill, d}], one path per colour }] }: every node has the same lines, paths and picture in every view, so
 *  an update only rewrites texts and paths. */
export function overviewFigure(v, narrow = false) {
  const { width, height, boxes } = layout(narrow);
  const { values, desc } = overviewTexts(v);
  const strips = { 'image-vector': stripColours(v.image), 'text-vector': stripColours(v.text) };
  const nodes = NODES.map((node) => placeNode(node, boxes[node.id], values[node.id], strips[node.id], v));
  const arrows = EDGES.map(([a, b]) => edgePath(boxes[a], boxes[b]));
  const edges = { lines: arrows.map(([line]) => line).join(''), heads: arrows.map(([, head]) => head).join('') };
  return { width, height, desc, edges, nodes, fonts: { title: TITLE_FONT, value: VALUE_FONT } };
}
