// "What the model sees": the chosen photo with the centre square the processor keeps, and that square's
// input and channels. For the build's photos, the files written by explainer/modelinput.py; for the
// reader's own photo, drawn here from the very preprocessing the photo tower ran (live/preprocess.js, the
// Pillow-bicubic port) with the same rules as modelinput.py: no request is made for it.
// Imported by page.js when the figure nears.
import { changed } from '../ui/changed.js';
import { $ } from '../ui/dom.js';
import { CHANNELS, modelInput } from '../rules/preprocess.js';

export { modelInput };  // moved to rules/preprocess.js (the attention figure draws the reader's square too)

let stats = null;   // {photo id: {r|g|b: {mean, min, max}}}, fetched once
const fresh = changed();

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

export async function load() {
  const response = await fetch('seen/stats.json');
  if (response.ok) stats = await response.json();
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
  const photo = view.photo;
  if (!fresh(photo)) return;  // the object: a second photo of the reader's replaces the first
  $('seen').dataset.photo = photo.id;
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
  showImage($('seen-input'), `seen/${photo.id}-input.png`);
  for (const channel of CHANNELS) {
    showImage($(`seen-${channel}`), `seen/${photo.id}-${channel}.png`);
    showStats(channel, stats?.[photo.id]?.[channel]);
  }
}

// fetched when the figure first comes near (figures/index.js LATER): init loads the channel statistics
export const figure = {
  name: 'seen', near: ['seen'],
  reads: ['photo'],
  init: () => load().catch(() => null), update,
};
