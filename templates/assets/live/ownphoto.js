// Live mode's side of the reader's own photo: decoded here (a file that is not an image is refused in words
// before anything downloads), embedded by the photo tower, then one more photo choice, after the build's, for
// the session. Its pixels stay with it so that "What the model sees" can preprocess them as the tower did.
// Nothing about the photo leaves the browser. liveui.js hands over what it needs (`live`): the store and its
// actions, start(parts), embedImage(pixels), embedOccluded(pixels, options) (live/occlusionrun.js) and
// preprocessing() (the manifest's settings). Once its vector is in, the occlusion map's copies are embedded in the
// background, when the figures that show them come near.
import { rows } from '../rules/clipmath.js';
import { snap } from '../state/data.js';
import { $, cell } from '../ui/dom.js';
import { ownPhotoRefusal } from '../ui/imagesize.js';
import { decodeImage } from '../ui/decode.js';
import { firstNear } from '../ui/nearby.js';
import { nextOwnPhotoId } from '../state/store.js';
import { keepPhoto, keptPhotos, unpack } from './ownkept.js';

/** A file from the picker, a drop or a paste: decoded here (a file that is not an image is refused before
 * anything downloads), embedded by the photo tower, then one more photo choice for the session. */
export async function photoChosen(file, live) {
  if (!file) return;
  performance.mark('own-photo-chosen');  // bench/livemode.py's timeline of the first own photo starts here
  const say = ownPhotoStatus();
  const refusal = await ownPhotoRefusal(file);  // read from the header: nothing is decoded yet
  if (refusal) {
    say(refusal);
    return;
  }
  let pixels;
  try {
    pixels = await decodeImage(file);
  } catch (error) {
    say(`${error.message} The photo you had stays chosen.`);
    return;
  }
  performance.mark('own-photo-decoded');
  await photoPixels(pixels, live);
}

/** Decoded pixels (ImageData: a file's, or the attack lab's stamped photo) embedded and made the reader's photo. */
export async function photoPixels(pixels, live) {
  const say = ownPhotoStatus();
  say('Starting live mode for photos…');
  if (!(await live.start(['text', 'vision']))) {
    say('Your photo could not be embedded: live mode did not start (its status line says why).');
    return;
  }
  performance.mark('own-photo-tower-ready');
  say('Embedding your photo in this browser…');
  let result;
  try {
    result = await live.embedImage(pixels);
  } catch (error) {
    say(`Your photo could not be used: ${error.message} The photo you had stays chosen.`);
    return;
  }
  const id = addOwnPhoto(live, result, pixels);
  performance.mark('own-photo-vector');  // bench/occlusion.py times the occlusion map from here
  say(`Your photo was embedded in this browser in ${Math.round(result.ms)} ms; it was not sent anywhere.`);
  mapOwnPhoto(live, id, pixels);
}

// Copies per run of the photo tower, for the reader's occlusion map: bench/occlusion.py ran the 49 copies through
// the full-size model (single-threaded wasm) in batches of 49, 16 and 7, three times on a busy machine: 104/62/50,
// 30/25/30 and 27/34/35 s; no size wins beyond the noise. 7 (one row of the grid) gives the figure's progress 7
// steps, a live label typed meanwhile waits for one batch at most, and two workers share the batches evenly.
export const OCCLUSION_BATCH = 7;

let latestMap = 0;  // the newest photo's map run: an older one stops between batches

/** The occlusion map's vectors of the reader's photo `id` (each patch cell hidden in turn, live/occlusion.js),
 * embedded in batches once one of the figures that draw it comes near the screen (49 passes of the photo tower
 * are tens of seconds of a phone's CPU, spent only for a reader who looks). Their progress, then the vectors, go
 * to the store (the saliency figure follows). A newer photo cancels the run; a failure is the store's too (the
 * figure says so). */
async function mapOwnPhoto(live, id, pixels) {
  const run = ++latestMap;
  const total = snap.occlusion.grid ** 2;
  const figures = ['saliency', 'rival'].map((name) => $(name)).filter(Boolean);
  if (!figures.length) return;  // none on this page: the page that has one maps the photo kept for the tab
  live.act.ownOcclusion(id, { done: 0, total });
  await firstNear(figures);
  if (run !== latestMap) return;
  try {
    const { vectors, cells, square } = await live.embedOccluded(pixels, {
      cells: total, batch: OCCLUSION_BATCH, current: () => run === latestMap,
      onProgress: ({ done }) => live.act.ownOcclusion(id, { done, total }),
    });
    live.act.ownOcclusion(id, { done: cells, total, vectors: rows(vectors, vectors.length / cells), square });
  } catch (error) {
    if (error.kind !== 'cancelled') live.act.ownOcclusion(id, { done: 0, total, error: error.message });
  }
}

/** The own-photo status line (made on first use) -> a function that sets its words. */
function ownPhotoStatus() {
  if (!$('own-photo-status')) {
    const line = Object.assign(cell('p', '', 'status'), { id: 'own-photo-status' });
    line.setAttribute('role', 'status');
    // after the photo picker's own-photo box (the core article's); on a deep-dive page after its live anchor
    const anchor = $('own-photo') ?? $('objective-typed') ?? document.querySelector('[data-live-anchor]');
    if (anchor) anchor.after(line);
    else (document.querySelector('main') ?? document.body).append(line);
  }
  return (text) => { $('own-photo-status').textContent = text; };
}

/** pixels (ImageData) drawn into canvas, width px wide. */
function drawInto(canvas, pixels, width) {
  const source = new OffscreenCanvas(pixels.width, pixels.height);
  source.getContext('2d').putImageData(pixels, 0, 0);
  canvas.width = width;
  canvas.height = Math.round((width * pixels.height) / pixels.width);
  canvas.getContext('2d').drawImage(source, 0, 0, canvas.width, canvas.height);
}

/** The photo and its vector go to the store, after the build's photos: every figure reads it like the others
 * ("What the model sees" preprocesses its pixels as the photo tower did, with the manifest's settings). */
function addOwnPhoto(live, { vector, ms, towers }, pixels) {
  const id = nextOwnPhotoId(live.store.getState());
  const photo = photoOf(id, pixels, { towers, ms, preprocess: live.preprocessing() });
  showChoice(live.act, photo.id, pixels);
  live.act.addOwnPhoto(photo, vector);  // and choose it
  keepPhoto({ id: photo.id, title: photo.title, pixels, vector, towers, ms, preprocess: photo.preprocess });
  return photo.id;
}

/** The photo's fields for the figures (addOwnPhoto, restorePhoto). */
function photoOf(id, pixels, { towers, ms, preprocess }) {
  return {
    towers,  // the towers figures' numbers from the same pass (worker.js towersOf), or null
    id, own: true, title: 'Your photo', alt: 'Your own photo',
    credit: 'Embedded in this browser', licence: 'never uploaded', embed_ms: Math.round(ms ?? 0), embedded: 'browser',
    width: pixels.width, height: pixels.height, pixels, preprocess,
    paint: (canvas, width) => drawInto(canvas, pixels, width),
    draw: (img) => drawInto(ownCanvas(img), pixels, Math.min(pixels.width, 1280)),
  };
}

/** The photo choice's radio and thumbnail for it (the core article's picker; a deep-dive page has the bar's). */
function showChoice(act, id, pixels) {
  if (!document.querySelector('.photo-choices')) return;
  ownChoice(act).value = id;
  drawInto($('own-photo-thumb'), pixels, 96);
}

/** The reader's photo kept for this tab by a page of the site (live/ownkept.js), back in the store on load: the
 * kept one `wanted` names (an address's photo=own:2), else the newest. Its vector was kept: the photo tower does not
 * start; `live.embedOccluded` starts live mode when the occlusion map comes near. Resolves to its id, or null. */
export async function restorePhoto(live, wanted) {
  const list = keptPhotos();
  const kept = list.find((entry) => entry.id === wanted) ?? list[0];
  if (!kept) return null;
  const own = await unpack(kept);
  const photo = photoOf(own.id, own.pixels, { towers: own.towers, ms: kept.ms, preprocess: own.preprocess });
  showChoice(live.act, photo.id, own.pixels);
  live.act.addOwnPhoto(photo, Array.from(own.vector));
  mapOwnPhoto(live, photo.id, own.pixels);
  return photo.id;
}

/** The canvas the reader's photo is drawn on, in place of the page's <img> (made on first use). */
function ownCanvas(img) {
  img.hidden = true;
  if (!$('own-photo-canvas')) {
    const canvas = Object.assign(document.createElement('canvas'), { id: 'own-photo-canvas' });
    canvas.style.maxWidth = '100%';  // CSSOM, allowed by the CSP
    (img.closest('picture') ?? img).after(canvas);  // beside the <picture>, not inside it
    // the page's <img> shows again for the build's photos: the canvas steps aside
    new MutationObserver(() => { canvas.hidden = !img.hidden; })
      .observe(img, { attributes: true, attributeFilter: ['hidden'] });
  }
  return $('own-photo-canvas');
}

/** The picker's radio for the reader's photo, made on the first one. */
function ownChoice(act) {
  const existing = document.querySelector('.photo-choice input[data-own]');
  if (existing) return existing;
  if (!document.querySelector('.photo-choices')) return {};  // a page without the photo picker: the bar lists it
  const choice = document.createElement('label');
  choice.className = 'photo-choice';
  const radio = document.createElement('input');
  radio.type = 'radio';
  radio.name = 'photo';
  radio.dataset.own = 'true';
  radio.addEventListener('change', () => act.choosePhoto(radio.value));
  const thumb = document.createElement('canvas');
  thumb.style.maxWidth = '100%';
  thumb.id = 'own-photo-thumb';
  choice.append(radio, thumb, cell('span', 'Your photo'));
  document.querySelector('.photo-choices').append(choice);
  return radio;
}
