// The reader's own photo kept for this tab, so that it survives a link to another page of the site and Back (issue:
// the split into pages): sessionStorage, this tab's and this origin's alone, never sent anywhere. Each entry: its id
// and title, its pixels as a data URL (a PNG at its own size when that is small, else a JPEG at most BOUND pixels
// wide), its vector, the photo tower's preprocessing settings, and the towers figures' numbers when small. At most
// KEEP photos and BUDGET characters in all: the oldest goes first; a photo that does not fit is not kept (its page
// then falls back to the default photo with a notice: state/urlstate.js).
import { TAB_KEYS } from '../state/links.js';
import { decodeImage } from '../ui/decode.js';

const KEY = TAB_KEYS.ownPhotos;
export const KEEP = 2;
const BUDGET = 3_000_000;      // characters of the whole entry (browsers give an origin about 5 million)
const PNG_MOST = 1_500_000;    // a longer PNG data URL is kept as a JPEG instead
const TOWERS_MOST = 400_000;   // characters of the towers' numbers; more are not kept (the figure says so)
const BOUND = 640;             // the JPEG's longest side, pixels

/** The kept photos, newest first: [{ id, title, image, vector, preprocess, towers? }] ([] when none or unreadable). */
export function keptPhotos() {
  try {
    const list = JSON.parse(sessionStorage.getItem(KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((kept) => kept && typeof kept.id === 'string') : [];
  } catch {
    return [];
  }
}

/** Keeps a photo ({ id, title, pixels: ImageData, vector, preprocess, towers, ms }); true when it was kept. */
export async function keepPhoto({ id, title, pixels, vector, preprocess, towers, ms }) {
  try {
    const entry = { id, title, image: await dataUrlOf(pixels), vector: base64Of(vector), preprocess, ms };
    const packed = towers && packTowers(towers);
    if (packed && JSON.stringify(packed).length <= TOWERS_MOST) entry.towers = packed;
    let list = [entry, ...keptPhotos().filter((kept) => kept.id !== id)].slice(0, KEEP);
    while (list.length) {
      const text = JSON.stringify(list);
      if (text.length <= BUDGET && stored(text)) return list[0] === entry;
      list = list.slice(0, -1);  // the oldest goes
    }
    return false;
  } catch {
    return false;
  }
}

/** A kept entry -> { id, title, pixels, vector, preprocess, towers } (rejects when its image does not decode). */
export async function unpack(kept) {
  const [head, body] = String(kept.image).split(',');
  const bytes = Uint8Array.from(atob(body ?? ''), (c) => c.charCodeAt(0));
  const pixels = await decodeImage(new Blob([bytes], { type: head.slice(5).split(';')[0] }));
  const vector = floatsOf(kept.vector);
  const t = kept.towers;
  const towers = t ? { ...t, lens: floatsOf(t.lens), attention: floatsOf(t.attention), mean: floatsOf(t.mean) } : null;
  return { id: kept.id, title: kept.title, pixels, vector, preprocess: kept.preprocess ?? null, towers };
}

function stored(text) {
  try {
    sessionStorage.setItem(KEY, text);
    return true;
  } catch {  // over the browser's quota: the caller drops the oldest
    return false;
  }
}

const packTowers = ({ layers, heads, grid, lens, attention, mean }) => ({ layers, heads, grid,
  lens: base64Of(lens), attention: base64Of(attention), mean: base64Of(mean) });

/** Float32 numbers <-> base64 of their bytes (a third of JSON's characters). */
function base64Of(numbers) {
  const bytes = new Uint8Array(Float32Array.from(numbers).buffer);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function floatsOf(text) {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

/** ImageData -> a data URL: a PNG at its own size when small (the figures redraw the very pixels), else a JPEG. */
async function dataUrlOf(pixels) {
  const canvas = new OffscreenCanvas(pixels.width, pixels.height);
  canvas.getContext('2d').putImageData(pixels, 0, 0);
  const png = await urlOf(await canvas.convertToBlob({ type: 'image/png' }));
  if (png.length <= PNG_MOST) return png;
  const scale = Math.min(1, BOUND / Math.max(pixels.width, pixels.height));
  const small = new OffscreenCanvas(Math.round(pixels.width * scale), Math.round(pixels.height * scale));
  small.getContext('2d').drawImage(canvas, 0, 0, small.width, small.height);
  return urlOf(await small.convertToBlob({ type: 'image/jpeg', quality: 0.9 }));
}

function urlOf(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}
