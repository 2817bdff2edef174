// The typographic-attack lab (Goh et al. 2021). The build stamps words onto the page's photos and embeds them
// (explainer/attack.py, from content/attack.yaml); the reader picks a word and a placement (the store's chooseAttack,
// kept in the link) and sees the stamped photo and every candidate label's probability for it beside the clean
// photo's (rules/attack.js). A photo's stamped vectors, data/attack/<photo>.json, are fetched when the figure first
// needs them; until they land the build's first paint stays if it shows this view, else the figure says "loading".
// With live mode, any typed word is part of the view too (the store's typeAttack, kept in the link as a list's word
// is: state/attackstate.js): stamped here (ui/stamping.js: the build's pixels exactly, onto the build's own
// unstamped canvas or the reader's photo) whether or not live mode is on, and embedded by live mode's photo tower
// (effects.js) once it is: data-source="live". Until then its rows wait for live mode, as a live label's do.
import { decodeFloat16, dot, rows } from '../rules/clipmath.js';
import { attackImage, attackView } from '../rules/attack.js';
import { MAX_WORD, stampable, unstampable } from '../rules/stamp.js';
import { $, cell, rowHeader } from '../ui/dom.js';
import { dataFiles, loaded } from '../ui/datafiles.js';
import { stampedPixels } from '../ui/stamping.js';

const files = dataFiles();  // file path -> its file, decoded ({ words, placements, vectors: [word][placement] (dim,) })
let latest = null;        // the newest view: drawn again when a file lands
const redraw = () => latest && update(latest);
let built = null;         // what the build's first paint shows: "photo\nword\nplacement"
let live = null;          // (then) -> live mode's module (page.js), when the page has live mode
let act = null;           // the store's actions
let typedShown = null;    // the typed word last written into the input (the reader's own typing is left alone)
let canvasShows = null;   // "photo\nplacement\nword" of the stamp on the canvas

/** The photo's stamped vectors, decoded, or null until they land (then the figure is drawn again). */
function stampedOf(snap, photo) {
  return loaded(files(`${snap.attack.dir}/${photo}.json`, (data) => {
    const flat = rows(decodeFloat16(data.vectors), snap.model.dim);  // word by word, placement by placement
    const n = data.placements.length;
    return { ...data, vectors: data.words.map((_, i) => flat.slice(i * n, (i + 1) * n)) };
  }, redraw));
}

function init({ act: actions, snap, live: liveMode }) {
  act = actions;
  const figure = $('attack');
  const chosen = { word: $('attack-word').value, placement: $('attack-placement').value };
  if (chosen.word !== figure.dataset.word || chosen.placement !== figure.dataset.placement) {
    act.chooseAttack(chosen);  // the reader chose before this script came: theirs, not the first paint's
  }
  $('attack-word').addEventListener('change', (e) => {
    act.chooseAttack({ word: e.target.value, placement: latest.attack.placement });  // the build's stamp again
  });
  $('attack-placement').addEventListener('change', (e) => {  // the typed word too, in its new place
    act.chooseAttack({ word: latest.attack.word, placement: e.target.value, live: latest.attack.live });
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
    typeWord($('attack-live-word').value.trim());
  });
}

/** A word typed (Enter, or "Stamp it"): checked as a link's is (rules/stamp.js stampable), then the view's; live
 * mode is started for it if it is not on. A word refused changes nothing but the figure's line. */
function typeWord(word) {
  const { glyphs } = latest.snap.attack;
  if (!stampable(word, glyphs)) {
    const missing = unstampable(word, glyphs);
    return say($('attack'), 'refused', missing.length ? `The stamp’s font has no “${missing.join('')}”: letters, `
      + 'digits and ASCII punctuation only.' : `Type a word of 1 to ${MAX_WORD} characters to stamp.`);
  }
  act.typeAttack({ word, placement: latest.attack.placement });
  update(latest);  // drawn again even where the view is the same (the word typed again after a refusal)
  if (latest.attack.liveMode !== 'off') return undefined;  // on (effects.js embeds it) or starting
  say($('attack'), 'pending', `Starting live mode to embed “${word}” stamped on the photo…`);
  return live((ui) => ui.start(['text', 'vision'])).then((on) => { if (!on) update(latest); });
}

/** The stamped photo on screen (a typed word's or the list's, stamped here exactly as the build did) as the
 * reader's own photo (live mode): every figure shows it, and the occlusion map where the word takes over. */
async function openStamped() {
  const { word, placement } = latest.attack;
  const pixels = await stampedPixels(latest.snap, latest.photo, { word, placement });
  return live((ui) => ui.stampedPhotoChosen(pixels));
}

/** A typed stamp's pixels on a canvas in the image's place (the page's CSP allows no blob: images). */
function showPixels(pixels, key, alt) {
  let canvas = $('attack-live-canvas');
  if (!canvas) {
    canvas = Object.assign(document.createElement('canvas'), { id: 'attack-live-canvas', className: 'attack-image' });
    canvas.setAttribute('role', 'img');
    $('attack-image').after(canvas);
  }
  Object.assign(canvas, { width: pixels.width, height: pixels.height, hidden: false });
  canvas.getContext('2d').putImageData(pixels, 0, 0);
  canvas.setAttribute('aria-label', alt);  // an attribute's text, never HTML
  canvas.dataset.testid = 'attack-image';
  canvasShows = key;
  delete $('attack-image').dataset.testid;
  $('attack-image').hidden = true;
}

/** A typed word (view.attack.live): its stamp, drawn here, and its rows once live mode embedded it. */
function showTyped(view, named) {
  const figure = $('attack');
  const { word, state } = view.attack;
  if (word !== typedShown) $('attack-live-word').value = word;  // a link's word, or Back's, in the input
  typedShown = word;
  Object.assign(figure.dataset, { photo: view.photo.id, word, placement: named.id, source: 'live' });
  const key = `${view.photo.id}\n${named.id}\n${word}`;
  const current = () => latest.attack.live && `${latest.photo.id}\n${latest.attack.placement}\n${latest.attack.word}`;
  if (canvasShows !== key) {  // nothing stale on screen while the stamp is made
    $('attack-image').hidden = true;
    if ($('attack-live-canvas')) $('attack-live-canvas').hidden = true;
  }
  stampedPixels(view.snap, view.photo, { word, placement: named.id }).then((pixels) => {
    const alt = `${view.photo.title}, with the word “${word}” stamped ${named.name}`;
    if (current() === key) showPixels(pixels, key, alt);
  }, (error) => {
    if (current() === key) say(figure, 'failed', `The word could not be stamped: ${error.message}`);
  });
  if (state === 'ready') return draw(view, view.attack.vector, word, named, 'live');
  if (state === 'failed') {
    return say(figure, 'failed', `The stamped photo could not be embedded: ${view.attack.error?.message}`);
  }
  if (state === 'pending') return say(figure, 'pending', `Stamping “${word}” and embedding it in this browser…`);
  return say(figure, 'waiting', live ? `The probabilities for the photo stamped with “${word}” need live mode, which `
    + 'embeds it in this browser: “Stamp it” starts it.'
    : `The probabilities for “${word}” need live mode, which this page does not have.`);
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
  const { word, placement, live: typed } = view.attack;
  const placements = view.snap.attack.placements;
  const named = placements.find((p) => p.id === placement) ?? placements[0];
  built ??= `${figure.dataset.photo}\n${figure.dataset.word}\n${figure.dataset.placement}`;
  $('attack-word').value = typed ? '' : word;  // a typed word is none of the list's: the list shows none
  $('attack-placement').value = named.id;
  if (typed) return showTyped(view, named);
  figure.dataset.source = 'build';
  typedShown = null;  // a typed word shown again (Back) is written into the input again
  showImage();
  if (!view.snap.photos.some((p) => p.id === view.photo.id)) {  // the reader's own photo: no stamped copies built
    figure.dataset.photo = view.photo.id;
    $('attack-image').hidden = true;
    return say(figure, 'own', live ? 'Type a word above: live mode stamps it on your photo in this browser.'
      : 'The stamped photos are built for the page’s own photos: choose one of them to try the attack.');
  }
  const data = stampedOf(view.snap, view.photo.id);
  if (!data) {
    const key = `${view.photo.id}\n${word}\n${named.id}`;
    if (figure.dataset.state === 'ready' && isFirstPaint(view, key)) return;  // the build's rows are this view's
    return say(figure, 'loading', 'Loading the stamped photos…');
  }
  const i = data.words.indexOf(word);
  const j = data.placements.indexOf(named.id);
  const image = $('attack-image');
  image.src = attackImage(view.snap.attack.images, view.photo.id, i, j);
  image.alt = `${view.photo.title}, with the word “${word}” stamped ${named.name}`;
  return draw(view, data.vectors[i][j], word, named, 'build');
}

/** The build's image in its place (a live stamp's canvas steps aside). */
function showImage() {
  const canvas = $('attack-live-canvas');
  if (canvas) {
    canvas.hidden = true;
    delete canvas.dataset.testid;
    canvasShows = null;
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
