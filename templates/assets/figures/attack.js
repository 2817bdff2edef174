// The typographic-attack lab (Goh et al. 2021). The build stamps words onto the page's photos and embeds them
// (explainer/attack.py, from content/attack.yaml); the reader picks a word and a placement (the store's chooseAttack,
// kept in the link) and sees the stamped photo and every candidate label's probability for it beside the clean
// photo's (rules/attack.js). A photo's stamped vectors, data/attack/<photo>.json, are fetched when the figure first
// needs them; until they land the build's first paint stays if it shows this view, else the figure says "loading".
// With live mode, any typed word is stamped here (rules/stamp.js, the build's pixels exactly, onto the build's own
// unstamped canvas, attack/<photo>-canvas.png, or the reader's photo resized as the build would) and embedded by live
// mode's photo tower: data-source="live". That stamp is the figure's own view (like the rival's rotation): not in
// the store or the link; choosing a word from the list or another photo goes back to the build's.
import { decodeFloat16, dot, rows } from '../rules/clipmath.js';
import { attackImage, attackView } from '../rules/attack.js';
import { resizeBicubic, toRgb } from '../rules/preprocess.js';
import { roundHalfEven, stampPixels, unstampable } from '../rules/stamp.js';
import { decodeImage } from '../ui/decode.js';
import { $, cell, rowHeader } from '../ui/dom.js';

const files = new Map();  // photo id -> its file, decoded ({ words, placements, vectors: [word][placement] (dim,) })
const loading = new Map();  // photo id -> its fetch on the way
let latest = null;        // the newest view: drawn again when a file lands
let built = null;         // what the build's first paint shows: "photo\nword\nplacement"
let live = null;          // (then) -> live mode's module (page.js), when the page has live mode
let spec = null;          // data/attack/spec.json (the stamp's spec and atlas), fetched on the first live stamp
let typed = null;         // the live stamp: { photo, word, placement, vector, pixels (ImageData) }, or null

function load(snap, photo) {
  if (loading.has(photo)) return;
  loading.set(photo, fetch(`${snap.attack.dir}/${photo}.json`)
    .then((response) => {
      if (!response.ok) throw new Error(`${snap.attack.dir}/${photo}.json: HTTP ${response.status}`);
      return response.json();
    })
    .then((data) => {
      const flat = rows(decodeFloat16(data.vectors), snap.model.dim);  // word by word, placement by placement
      const n = data.placements.length;
      files.set(photo, { ...data, vectors: data.words.map((_, i) => flat.slice(i * n, (i + 1) * n)) });
      if (latest) update(latest);
    })
    .catch(() => { loading.delete(photo); }));  // asked again by the next view
}

function init({ act, snap, live: liveMode }) {
  const figure = $('attack');
  const chosen = { word: $('attack-word').value, placement: $('attack-placement').value };
  if (chosen.word !== figure.dataset.word || chosen.placement !== figure.dataset.placement) {
    act.chooseAttack(chosen);  // the reader chose before this script came: theirs, not the first paint's
  }
  $('attack-word').addEventListener('change', (e) => {
    typed = null;
    act.chooseAttack({ ...latest.attack, word: e.target.value });
  });
  $('attack-placement').addEventListener('change', (e) => {
    act.chooseAttack({ ...latest.attack, placement: e.target.value });
    if (typed) stampLive(typed.word);  // the typed word, in its new place
  });
  if (!snap.live || !liveMode) return;
  live = liveMode;
  $('attack-live').hidden = false;
  $('attack-open-row').hidden = false;
  $('attack-open').addEventListener('click', () => openStamped().catch((error) => {
    say($('attack'), 'failed', `The stamped photo could not be used: ${error.message}`);
  }));
  $('attack-live').addEventListener('submit', (e) => {
    e.preventDefault();
    stampLive($('attack-live-word').value.trim());
  });
}

const json = (url) => fetch(url).then((r) => {
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
});

/** The canvas the build stamps (the photo resized so its shorter side is spec.side): { rgb, width, height }. */
async function canvasOf(view) {
  const { photo } = view;
  if (photo.pixels) {  // the reader's photo: resized here exactly as the build's Pillow would (rules/preprocess.js)
    const scale = spec.side / Math.min(photo.pixels.width, photo.pixels.height);
    const width = Math.max(spec.side, roundHalfEven(photo.pixels.width * scale));
    const height = Math.max(spec.side, roundHalfEven(photo.pixels.height * scale));
    const rgb = toRgb(photo.pixels);
    const same = width === photo.pixels.width && height === photo.pixels.height;
    return { rgb: same ? rgb : resizeBicubic(rgb, photo.pixels.width, photo.pixels.height, width, height), width,
      height };
  }
  const blob = await (await fetch(`${view.snap.attack.images}/${photo.id}-canvas.png`)).blob();
  const pixels = await decodeImage(blob);  // the build's PNG, decoded as the reader's own photo is
  return { rgb: toRgb(pixels), width: pixels.width, height: pixels.height };
}

/** Stamps word onto the chosen photo in the chosen placement and embeds it with live mode's photo tower. */
async function stampLive(word) {
  const view = latest;
  const figure = $('attack');
  if (!word || word.length > 40) return say(figure, 'refused', 'Type a word of 1 to 40 characters to stamp.');
  spec ??= await json(`${view.snap.attack.dir}/spec.json`).catch(() => null);
  const missing = spec ? unstampable(word, spec) : [];
  if (!spec || missing.length) {
    return say(figure, 'refused', spec ? `The stamp’s font has no “${missing.join('')}”: letters, digits and `
      + 'ASCII punctuation only.' : 'The stamp’s specification could not be loaded.');
  }
  const placement = view.attack.placement;
  figure.dataset.source = 'live';
  say(figure, 'pending', `Stamping “${word}” and embedding it in this browser…`);
  try {
    const { rgb, width, height } = await canvasOf(view);
    const stamped = stampPixels(rgb, width, height, word, placement, spec);
    const pixels = toImageData(stamped, width, height);
    const { vector } = await live((ui) => ui.embedPixels(pixels));
    typed = { photo: view.photo.id, word, placement, vector, pixels };
    update(latest);
  } catch (error) {
    say(figure, 'failed', `The stamped photo could not be embedded: ${error.message}`);
  }
}

/** The stamped photo on screen (the live stamp, or the list's word stamped here exactly as the build did) as the
 * reader's own photo (live mode): every figure shows it, and the occlusion map where the word takes over. */
async function openStamped() {
  const view = latest;
  if (!typed) {
    spec ??= await json(`${view.snap.attack.dir}/spec.json`);
    const { rgb, width, height } = await canvasOf(view);
    const pixels = toImageData(stampPixels(rgb, width, height, view.attack.word, view.attack.placement, spec),
      width, height);
    return live((ui) => ui.stampedPhotoChosen(pixels));
  }
  return live((ui) => ui.stampedPhotoChosen(typed.pixels));
}

/** RGB bytes -> ImageData (opaque). */
function toImageData(rgb, width, height) {
  const pixels = new ImageData(width, height);
  for (let i = 0; i < width * height; i++) pixels.data.set([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 255], i * 4);
  return pixels;
}

/** The live stamp's pixels on a canvas in the image's place (the page's CSP allows no blob: images). */
function showPixels(pixels) {
  let canvas = $('attack-live-canvas');
  if (!canvas) {
    canvas = Object.assign(document.createElement('canvas'), { id: 'attack-live-canvas', className: 'attack-image' });
    $('attack-image').after(canvas);
  }
  Object.assign(canvas, { width: pixels.width, height: pixels.height, hidden: false });
  canvas.getContext('2d').putImageData(pixels, 0, 0);
  canvas.dataset.testid = 'attack-image';
  delete $('attack-image').dataset.testid;
  $('attack-image').hidden = true;
}

/** The view is the build's first paint: the default photo, labels, template and temperature, the default stamp. */
function isFirstPaint(view, key) {
  const { snap } = view;
  return key === built && view.template.id === snap.default.template && view.tauIndex === snap.default.tau_index
    && view.labels.join('\n') === snap.default.labels.join('\n');
}

function say(figure, state, text) {
  figure.dataset.state = state;
  $('attack-summary').textContent = text;
  $('attack-table').tBodies[0].replaceChildren();
}

export function update(view) {
  latest = view;
  const figure = $('attack');
  const { word, placement } = view.attack;
  const placements = view.snap.attack.placements;
  const named = placements.find((p) => p.id === placement) ?? placements[0];
  built ??= `${figure.dataset.photo}\n${figure.dataset.word}\n${figure.dataset.placement}`;
  $('attack-word').value = word;
  $('attack-placement').value = named.id;
  if (typed && typed.photo !== view.photo.id) typed = null;  // another photo: the build's stamp again
  if (typed?.placement === named.id) {
    showPixels(typed.pixels);
    draw(view, typed.vector, typed.word, named, 'live');
    return;
  }
  if (figure.dataset.state === 'pending') return;  // a live stamp on its way
  showImage();
  if (!view.snap.photos.some((p) => p.id === view.photo.id)) {  // the reader's own photo: no stamped copies built
    figure.dataset.photo = view.photo.id;
    $('attack-image').hidden = true;
    say(figure, 'own', live ? 'Type a word above: live mode stamps it on your photo in this browser.'
      : 'The stamped photos are built for the page’s own photos: choose one of them to try the attack.');
    return;
  }
  const data = files.get(view.photo.id);
  if (!data) {
    load(view.snap, view.photo.id);
    const key = `${view.photo.id}\n${word}\n${named.id}`;
    if (figure.dataset.state === 'ready' && isFirstPaint(view, key)) return;  // the build's rows are this view's
    say(figure, 'loading', 'Loading the stamped photos…');
    return;
  }
  const i = data.words.indexOf(word);
  const j = data.placements.indexOf(named.id);
  const image = $('attack-image');
  image.src = attackImage(view.snap.attack.images, view.photo.id, i, j);
  image.alt = `${view.photo.title}, with the word “${word}” stamped ${named.name}`;
  draw(view, data.vectors[i][j], word, named, 'build');
}

/** The build's image in its place (a live stamp's canvas steps aside). */
function showImage() {
  const canvas = $('attack-live-canvas');
  if (canvas) {
    canvas.hidden = true;
    delete canvas.dataset.testid;
  }
  Object.assign($('attack-image'), { hidden: false });
  $('attack-image').dataset.testid = 'attack-image';
}

/** Every candidate label's probability for the stamped vector beside the clean photo's (rules/attack.js). */
function draw(view, stamped, word, named, source) {
  const figure = $('attack');
  const texts = view.labels.map((label) => view.vector(label));
  const shown = attackView({ labels: view.labels, image: view.image, stamped, texts, tau: view.tau, word,
    placement: named.name });
  Object.assign(figure.dataset, { photo: view.photo.id, word, placement: named.id, source, state: 'ready' });
  $('attack-summary').textContent = shown.summary;
  $('attack-table').tBodies[0].replaceChildren(...shown.rows.map((row, k) => {
    const tr = document.createElement('tr');
    Object.assign(tr.dataset, { label: row.label, prob: String(row.prob), probClean: String(row.clean),
      cosine: String(dot(texts[k], stamped)) });
    tr.append(rowHeader(row.label), ...row.cells.map((text) => cell('td', text, 'num')));
    return tr;
  }));
}

export const figure = {
  name: 'attack', near: ['attack'],
  reads: ['attack', 'image', 'labels', 'photo', 'snap', 'tau', 'tauIndex', 'template', 'vector'],
  init, update,
};
