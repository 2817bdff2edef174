// "What the model sees": the chosen photo with the centre square the processor keeps, and that square's
// input and channels. For the build's photos, the files written by explainer/modelinput.py; for the
// reader's own photo, drawn here from the very preprocessing the photo tower ran (live/preprocess.js, the
// Pillow-bicubic port) with the same rules as modelinput.py: no request is made for it.
// Imported by page.js when the figure nears. A further model shown (issue 36): its own files, the same names under
// its root (view.modelRoot + 'seen/', its own preprocessing), and its own patch grid over the square.
import { changed } from '../ui/changed.js';
import { $ } from '../ui/dom.js';
import { CHANNELS, modelInput } from '../rules/preprocess.js';
import { dataFiles, loaded } from '../ui/datafiles.js';

export { modelInput };  // moved to rules/preprocess.js (the attention figure draws the reader's square too)

const stats = dataFiles();  // stats.json path -> {photo id: {r|g|b: {mean, min, max}}}
const fresh = changed();
const SVG = 'http://www.w3.org/2000/svg';
let latest = null;
const redraw = () => latest && draw(latest, true);

/** The kept square as fractions of the photo: resize the short side, crop the centre. Twin of centre_crop_box. */
export function cropBox(width, height) {
  const side = Math.min(width, height);
  return [(width - side) / 2 / width, (height - side) / 2 / height, side / width, side / height];
}

/** The canvas drawn in place of an <img> of this figure (made on first use), the <img> hidden. */
function canvasFor(img) {
  let canvas = $(`${img.id}-canvas`);
  if (!canvas) {
    canvas = Object.assign(document.createElement('canvas'), { id: `${img.id}-canvas` });
    canvas.setAttribute('role', 'img');
    img.after(canvas);
  }
  img.hidden = true;
  canvas.hidden = false;
  canvas.setAttribute('aria-label', img.alt);
  return canvas;
}

function paint(img, rgba, size) {
  const canvas = canvasFor(img);
  canvas.width = size;
  canvas.height = size;
  canvas.getContext('2d').putImageData(new ImageData(rgba, size, size), 0, 0);
}

function showImage(img, src) {
  img.hidden = false;
  const canvas = $(`${img.id}-canvas`);
  if (canvas) canvas.hidden = true;
  img.src = src;
}

function showStats(channel, s) {
  const text = $(`seen-${channel}-stats`);
  if (!s) return;
  text.textContent = `mean ${s.mean.toFixed(2)}, from ${s.min.toFixed(2)} to ${s.max.toFixed(2)}`;
  text.dataset.mean = String(s.mean);
}

/** The channel statistics of the model whose root is `root` ('': the default's), fetched once (ui/datafiles.js). */
export function load(root = '') {
  return stats(`${root}seen/stats.json`, (record) => record, redraw);
}

/** The patch grid over the square, its size and its caption, for the model on screen (view.snap.model). */
function showGrid({ image_size: size, patch_size: patch }) {
  const n = Math.round(size / patch);
  const grid = $('seen-grid');
  if (grid.getAttribute('viewBox') === `0 0 ${n} ${n}`) return;
  grid.setAttribute('viewBox', `0 0 ${n} ${n}`);
  grid.replaceChildren(...Array.from({ length: n - 1 }, (_, k) => [[k + 1, 0, k + 1, n], [0, k + 1, n, k + 1]])
    .flat().map(([x1, y1, x2, y2]) => {
      const line = document.createElementNS(SVG, 'line');
      Object.entries({ class: 'seen-grid', x1, y1, x2, y2, 'vector-effect': 'non-scaling-stroke' })
        .forEach(([name, value]) => line.setAttribute(name, String(value)));
      return line;
    }));
  $('seen-input-caption').textContent = `The ${size} × ${size} input, cut into ${n} × ${n} = ${n * n} patches of `
    + `${patch} × ${patch} pixels.`;
  for (const id of ['seen-input', 'seen-r', 'seen-g', 'seen-b']) Object.assign($(id), { width: size, height: size });
  $('seen-input').alt = `The ${size} by ${size} square the model receives`;
}

/** The reader's photo: its kept square on the photo itself, and its input and channels, drawn here. */
function showOwn(photo) {
  const image = $('seen-photo');
  image.alt = 'The chosen photo, your own';
  photo.paint(canvasFor(image), Math.min(photo.width, 840));
  photo.seen ??= modelInput(photo.pixels, photo.preprocess);  // once per photo
  const { input, channels, size, stats: own } = photo.seen;
  paint($('seen-input'), input, size);
  CHANNELS.forEach((channel, c) => {
    paint($(`seen-${channel}`), channels[c], size);
    showStats(channel, own[channel]);
  });
}

export function update(view) {
  draw(view, false);
}

/** Draws the view; again: the statistics landed, so the same view is drawn again. */
function draw(view, again) {
  latest = view;
  const photo = view.photo;
  const root = photo.own ? '' : view.modelRoot;  // the reader's photo: the default model's (live mode)
  // the object: a second photo of the reader's replaces the first; a built photo: under the model on screen
  if (!fresh(photo.own ? photo : `${root}\n${photo.id}`) && !again) return;
  const known = loaded(load(root));
  Object.assign($('seen').dataset, { photo: photo.id, model: view.model.shown?.id ?? '' });
  showGrid(view.snap.model);
  const [x, y, w, h] = cropBox(photo.width, photo.height);
  $('seen-dim').setAttribute('d', `M0 0H1V1H0Z M${x} ${y}h${w}v${h}h-${w}Z`);
  for (const [name, value] of Object.entries({ x, y, width: w, height: h })) {
    $('seen-crop').setAttribute(name, String(value));
  }
  if (photo.own) {
    showOwn(photo);
    return;
  }
  const image = $('seen-photo');
  showImage(image, photo.src);
  image.width = photo.width;
  image.height = photo.height;
  image.alt = `The chosen photo, ${photo.title}`;
  showImage($('seen-input'), `${root}seen/${photo.id}-input.png`);
  for (const channel of CHANNELS) {
    showImage($(`seen-${channel}`), `${root}seen/${photo.id}-${channel}.png`);
    showStats(channel, known?.[photo.id]?.[channel]);
  }
}

// fetched when the figure first comes near (figures/index.js LATER): init loads the channel statistics
export const figure = {
  name: 'seen', near: ['seen'],
  reads: ['model', 'modelRoot', 'photo', 'snap'],
  init: () => load(), update,
};
