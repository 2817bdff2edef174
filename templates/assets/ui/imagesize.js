// An image file's size in pixels, read from its header without decoding it: a reader's own photo is
// refused before decoding when it is too large (liveui.js). PNG, JPEG, GIF, WebP, AVIF/HEIF and BMP, the
// formats the browser decodes; anything else is null.

// The largest own photo, in pixels (the build's photos.MAX_PIXELS): decoding one takes 4 bytes a pixel several
// times over (bitmap, canvas, the model's input), so a 20000 x 20000 file is refused before it is decoded.
export const MAX_OWN_PIXELS = 40_000_000;

/** Why a reader's photo cannot be used (a sentence), or null when it may be decoded. */
export async function ownPhotoRefusal(file) {
  const size = await fileImageSize(file);
  if (!size) return 'This file is not a PNG, JPEG, WebP, AVIF, GIF or BMP image the page can read; it was not used.';
  if (size[0] * size[1] <= MAX_OWN_PIXELS) return null;
  return `Your photo is ${size[0]} × ${size[1]} pixels, more than this page can decode safely `
    + `(${MAX_OWN_PIXELS / 1e6} megapixels); save a smaller copy and choose that. It was not used or sent anywhere.`;
}

const ascii = (bytes, at, text) => [...text].every((c, i) => bytes[at + i] === c.charCodeAt(0));

/** [width, height] from the first bytes of an image file (a Uint8Array), or null if it cannot tell. */
export function imageSize(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const has = (n) => bytes.length >= n;
  if (has(24) && ascii(bytes, 1, 'PNG') && ascii(bytes, 12, 'IHDR')) return [view.getUint32(16), view.getUint32(20)];
  if (has(10) && ascii(bytes, 0, 'GIF8')) return [view.getUint16(6, true), view.getUint16(8, true)];
  if (has(26) && ascii(bytes, 0, 'BM')) return [view.getInt32(18, true), Math.abs(view.getInt32(22, true))];
  if (has(30) && ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return webpSize(bytes, view);
  if (has(4) && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegSize(bytes, view);
  if (has(12) && ascii(bytes, 4, 'ftyp')) return ispeSize(bytes, view);
  return null;
}

function webpSize(bytes, view) {
  if (ascii(bytes, 12, 'VP8X')) {
    const u24 = (at) => bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
    return [u24(24) + 1, u24(27) + 1];
  }
  if (ascii(bytes, 12, 'VP8L')) {
    const bits = view.getUint32(21, true);
    return [(bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1];
  }
  if (ascii(bytes, 12, 'VP8 ')) return [view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff];
  return null;
}

/** The frame header (SOF0..SOF15, less DHT, JPG and DAC) after the segments before it. */
function jpegSize(bytes, view) {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker === 0xff) { at += 1; continue; }  // fill byte
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return [view.getUint16(at + 7), view.getUint16(at + 5)];
    }
    at += 2 + view.getUint16(at + 2);
  }
  return null;
}

/** AVIF/HEIF: the largest 'ispe' (image spatial extent) property: the whole image, not a tile. */
function ispeSize(bytes, view) {
  let best = null;
  for (let at = 4; at + 16 <= bytes.length; at++) {
    if (bytes[at] === 0x69 && ascii(bytes, at, 'ispe')) {
      const size = [view.getUint32(at + 8), view.getUint32(at + 12)];
      if (!best || size[0] * size[1] > best[0] * best[1]) best = size;
    }
  }
  return best;
}

/** The size of a File or Blob from its first megabyte (all of it for a JPEG whose frame header is later). */
export async function fileImageSize(file) {
  const head = new Uint8Array(await file.slice(0, 1 << 20).arrayBuffer());
  const size = imageSize(head);
  if (size || file.size <= head.length || !(head[0] === 0xff && head[1] === 0xd8)) return size;
  return imageSize(new Uint8Array(await file.arrayBuffer()));
}
