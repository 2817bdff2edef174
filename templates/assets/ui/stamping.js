// A word stamped in this page (rules/stamp.js: the build's pixels exactly) onto the build's own unstamped canvas,
// attack/<photo>-canvas.png, or onto the reader's photo resized as the build would: what the attack lab shows for a
// typed word (figures/attack.js) and what live mode embeds (effects.js). No model is needed to stamp. Each stamp is
// made once (a few kept), so the figure and the embedding share it.
import { resizeBicubic, toRgb } from '../rules/preprocess.js';
import { roundHalfEven, stampKey, stampPixels } from '../rules/stamp.js';
import { decodeImage } from './decode.js';

const KEPT = 8;            // stamps kept (ImageData, about 0.3 MB each)
const made = new Map();    // stampKey -> Promise<ImageData>, the newest last
let spec = null;           // data/attack/spec.json (the stamp's spec and atlas), fetched on the first stamp

const json = (url) => fetch(url).then((r) => {
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
});

/** snap -> the stamp's spec (data/attack/spec.json), fetched once (asked again after a failure). */
export function specOf(snap) {
  spec ??= json(`${snap.attack.dir}/spec.json`).catch((error) => {
    spec = null;
    throw error;
  });
  return spec;
}

/** The canvas the build stamps (the photo resized so its shorter side is side): { rgb, width, height }. */
async function canvasOf(snap, photo, side) {
  if (photo.pixels) {  // the reader's photo: resized here exactly as the build's Pillow would (rules/preprocess.js)
    const scale = side / Math.min(photo.pixels.width, photo.pixels.height);
    const width = Math.max(side, roundHalfEven(photo.pixels.width * scale));
    const height = Math.max(side, roundHalfEven(photo.pixels.height * scale));
    const rgb = toRgb(photo.pixels);
    const same = width === photo.pixels.width && height === photo.pixels.height;
    return { rgb: same ? rgb : resizeBicubic(rgb, photo.pixels.width, photo.pixels.height, width, height), width,
      height };
  }
  const response = await fetch(`${snap.attack.images}/${photo.id}-canvas.png`);
  if (!response.ok) throw new Error(`${photo.id}-canvas.png: HTTP ${response.status}`);
  const pixels = await decodeImage(await response.blob());  // the build's PNG, decoded as the reader's photo is
  return { rgb: toRgb(pixels), width: pixels.width, height: pixels.height };
}

/** RGB bytes -> ImageData (opaque). */
function toImageData(rgb, width, height) {
  const pixels = new ImageData(width, height);
  for (let i = 0; i < width * height; i++) pixels.data.set([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 255], i * 4);
  return pixels;
}

/** photo (the view's: a built-in one, or the reader's with its pixels), { word, placement } -> Promise<ImageData>:
 * the photo with word stamped in the placement, as the build stamps it. */
export function stampedPixels(snap, photo, { word, placement }) {
  const key = stampKey(photo.id, { word, placement });
  if (!made.has(key)) {
    made.set(key, specOf(snap).then(async (stampSpec) => {
      const { rgb, width, height } = await canvasOf(snap, photo, stampSpec.side);
      return toImageData(stampPixels(rgb, width, height, word, placement, stampSpec), width, height);
    }).catch((error) => {
      made.delete(key);  // asked again next time
      throw error;
    }));
    if (made.size > KEPT) made.delete(made.keys().next().value);
  }
  return made.get(key);
}
