// The typographic attack's stamp, as explainer/attack.py stamp() draws it, from the same specification and glyph
// atlas (data/attack/spec.json, made from content/attack.yaml): integer arithmetic only, so a word stamped here is
// the build's pixels exactly (tests/test_stamp.py compares them), with no text rasteriser of the browser involved.
// Pure; the canvas (the photo resized so its shorter side is spec.side) is the caller's.

/** Python's round(): halves to the even neighbour (the build places the anchor with it). */
export function roundHalfEven(x) {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** A stamp's key: the photo it is stamped on, its placement and its word (the attack lab's typed stamps in the store,
 * state/attackstate.js, and the stamps made in the page, ui/stamping.js). */
export const stampKey = (photo, { word, placement }) => `${photo}\n${placement}\n${word}`;

export const MAX_WORD = 40;  // characters of a stamped word (explainer/attack.py MAX_WORD)

/** The characters of word the stamp cannot draw; glyphs: the characters its atlas draws (the snapshot's
 * attack.glyphs, or glyphsOf(spec)). The stamp refuses them: the input, a link's attack= and stampPixels alike. */
export const unstampable = (word, glyphs) => [...new Set([...word].filter((c) => !glyphs.includes(c)))];

/** A word the stamp can stamp: 1 to MAX_WORD characters, not all spaces, every one in glyphs. */
export const stampable = (word, glyphs) => word.trim() !== '' && word.length <= MAX_WORD
  && !unstampable(word, glyphs).length;

/** The characters spec.json's atlas draws, as one string. */
export const glyphsOf = (spec) => Object.keys(spec.atlas[spec.placements[0].sizes[0]].glyphs).join('');

const widthOf = (word, face) => [...word].reduce((sum, char) => sum + face.glyphs[char][0], 0);

/** Base64 -> bytes (the atlas's alpha bitmaps). */
function bytesOf(base64) {
  const binary = atob(base64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * rgb: the canvas's RGB bytes, width x height, row by row -> new RGB bytes with word stamped in the placement
 * (an id of spec.placements). Each glyph pixel becomes (under * (255 - a) + ink * a + 127) // 255.
 */
export function stampPixels(rgb, width, height, word, placementId, spec) {
  const placement = spec.placements.find((p) => p.id === placementId);
  const missing = unstampable(word, glyphsOf(spec));
  if (!placement || missing.length) throw new Error(`cannot stamp ${missing.join('') || placementId}`);
  const { side } = spec;
  const out = Uint8Array.from(rgb);
  const left = Math.floor((width - side) / 2), top = Math.floor((height - side) / 2);  // the centre square
  const size = placement.sizes.find((s) => widthOf(word, spec.atlas[s]) <= spec.max_width * side)
    ?? placement.sizes[placement.sizes.length - 1];
  const face = spec.atlas[size];
  const text = widthOf(word, face);
  const x = left + roundHalfEven(placement.x * side) - (placement.align === 'centre' ? Math.floor(text / 2) : 0);
  const y = top + roundHalfEven(placement.y * side) - Math.floor(face.height / 2);
  if (placement.note) {
    const pad = placement.padding;
    const clamp = (v, most) => Math.min(Math.max(0, v), most);
    for (let row = clamp(y - pad, height); row < clamp(y + face.height + pad, height); row++) {
      for (let col = clamp(x - pad, width); col < clamp(x + text + pad, width); col++) {
        out.set(placement.note, (row * width + col) * 3);
      }
    }
  }
  let pen = x;
  for (const char of word) {
    const [advance, gx, gy, w, h, alpha] = face.glyphs[char];
    const bitmap = w ? bytesOf(alpha) : null;
    for (let j = 0; j < h; j++) {
      const row = y + gy + j;
      if (row < 0 || row >= height) continue;
      for (let i = 0; i < w; i++) {
        const col = pen + gx + i;
        if (col < 0 || col >= width) continue;
        const a = bitmap[j * w + i];
        const at = (row * width + col) * 3;
        for (let c = 0; c < 3; c++) {
          out[at + c] = Math.floor((out[at + c] * (255 - a) + placement.colour[c] * a + 127) / 255);
        }
      }
    }
    pen += advance;
  }
  return out;
}
