// "What the model sees": the chosen photo with the centre square the processor keeps, and that square's
// input and channels (files written by explainer/modelinput.py). Imported by page.js when the figure nears.
import { $ } from '../dom.js';

const CHANNELS = ['r', 'g', 'b'];
let stats = null;   // {photo id: {r|g|b: {mean, min, max}}}, fetched once
let shown = null;

/** The kept square as fractions of the photo: resize the short side, crop the centre. Twin of centre_crop_box. */
export function cropBox(width, height) {
  const side = Math.min(width, height);
  return [(width - side) / 2 / width, (height - side) / 2 / height, side / width, side / height];
}

export async function load() {
  const response = await fetch('seen/stats.json');
  if (response.ok) stats = await response.json();
}

export function update(view) {
  const photo = view.photo;
  if (shown === photo.id) return;
  shown = photo.id;
  const image = $('seen-photo');
  image.src = photo.src;
  image.width = photo.width;
  image.height = photo.height;
  image.alt = `The chosen photo, ${photo.title}`;
  const [x, y, w, h] = cropBox(photo.width, photo.height);
  $('seen-dim').setAttribute('d', `M0 0H1V1H0Z M${x} ${y}h${w}v${h}h-${w}Z`);
  for (const [name, value] of Object.entries({ x, y, width: w, height: h })) {
    $('seen-crop').setAttribute(name, String(value));
  }
  $('seen-input').src = `seen/${photo.id}-input.png`;
  for (const channel of CHANNELS) {
    $(`seen-${channel}`).src = `seen/${photo.id}-${channel}.png`;
    const s = stats?.[photo.id]?.[channel];
    const text = $(`seen-${channel}-stats`);
    if (s) {
      text.textContent = `mean ${s.mean.toFixed(2)}, from ${s.min.toFixed(2)} to ${s.max.toFixed(2)}`;
      text.dataset.mean = String(s.mean);
    }
  }
}
