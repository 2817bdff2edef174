// The occlusion map's copies of the reader's own photo, made in the worker as the build makes them for its
// photos (explainer/embed.py, occluded_copies): the preprocessed square, once per cell of the patch grid
// (image_size / patch_size cells a side, from the model's config), with that cell set to 0 in every channel,
// the normalised value of the processor's mean colour, (mean - mean) / std. Pure; checked in Node against
// Python (tests/test_own_map.py).

/** Cells a side: the model's image_size / patch_size (7 for ViT-B/32), as the build reads it. */
export const patchGrid = ({ image_size: imageSize, patch_size: patchSize }) => Math.floor(imageSize / patchSize);

/** pixels: the preprocessed (3, height, width) Float32Array -> copies first .. first + count - 1, row by row
 *  (copy k hides cell (k / grid, k % grid), row 0 at the top), as one (count, 3, height, width) Float32Array.
 *  A cell is width / grid pixels a side (rounded down), as in the build. */
export function occludedCopies(pixels, [height, width], grid, first, count) {
  const size = Math.floor(width / grid);
  const plane = height * width;
  const copies = new Float32Array(count * 3 * plane);  // (count, 3, height, width)
  for (let i = 0; i < count; i++) {
    const k = first + i;
    const row = Math.floor(k / grid), col = k % grid;
    const copy = copies.subarray(i * 3 * plane, (i + 1) * 3 * plane);
    copy.set(pixels);
    for (let c = 0; c < 3; c++) {
      for (let y = row * size; y < Math.min((row + 1) * size, height); y++) {
        copy.fill(0, c * plane + y * width + col * size, c * plane + y * width + Math.min((col + 1) * size, width));
      }
    }
  }
  return copies;
}

/** The preprocessed (3, height, width) values back to the square's RGBA bytes (what the map is drawn over):
 *  value * std + mean, over rescale, rounded; exact, since each value came from one byte. */
export function squarePixels(pixels, { crop: [height, width], mean, std, rescale }) {
  const plane = height * width;
  const rgba = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.round((pixels[c * plane + i] * std[c] + mean[c]) / rescale);
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}
