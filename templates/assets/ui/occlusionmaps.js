// The occlusion maps' shared parts: the occluded vectors (data/occlusion.json under a model's data root: every
// photo embedded with each patch cell hidden), fetched once per file for every figure that draws a map (Where in
// the photo, the rival's difference map, Models compared), and the drawing of a map's cells over its square.
import { decodeFloat16, rows } from '../rules/clipmath.js';
import { dataFiles, loaded } from './datafiles.js';

const occlusions = dataFiles();  // file path -> (photo id -> grid * grid (dim,) vectors)

/** A photo's occluded vectors, grid * grid (dim,), of the model whose data root is `root`: null until they land
 *  (then redraw() runs) or for a photo without them. */
export function occludedFor(snap, id, redraw, root = '') {
  return loaded(loadOccluded(snap, root, redraw))?.get(id) ?? null;
}

/** The occluded vectors of the model whose data root is `root` ('': the default), or null while not here (asks
 *  for nothing). */
export function landed(snap, root) {
  return loaded(occlusions.peek(root + snap.occlusion.file));
}

/** Fetches the model's occluded vectors once (snap: its occlusion record and its model's dim); redraw runs when
 *  they land. */
export function loadOccluded(snap, root, redraw) {
  return occlusions(root + snap.occlusion.file, (data) => new Map(Object.entries(data.photos)
    .map(([id, b64]) => [id, rows(decodeFloat16(b64), snap.model.dim)])), redraw);
}

/** The map's cells fitted to an n x n grid (the model's: the build draws the default's), the mark rect kept last. */
function fitCells(svg, n) {
  const rects = svg.querySelectorAll('rect:not(.saliency-mark)');
  if (rects.length === n * n) return rects;
  svg.setAttribute('viewBox', `0 0 ${n} ${n}`);
  rects.forEach((rect) => rect.remove());
  svg.prepend(...Array.from({ length: n * n }, (_, k) => {
    const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    const place = { x: k % n, y: Math.floor(k / n), width: 1, height: 1 };
    Object.entries(place).forEach(([name, v]) => rect.setAttribute(name, v));
    return rect;
  }));
  const stage = svg.closest('[aria-label]');
  stage?.setAttribute('aria-label', stage.getAttribute('aria-label').replace(/\d+ by \d+/, `${n} by ${n}`));
  return svg.querySelectorAll('rect:not(.saliency-mark)');
}

/** Colours a map's cells and legend ticks inside figure (this figure's, and figures/rival.js's difference map). */
export function drawMap(figure, { cells, ticks }) {
  const rects = fitCells(figure.querySelector('.saliency-cells'), Math.round(Math.sqrt(cells.length)));
  cells.forEach((c, k) => {
    const rect = rects[k];
    rect.setAttribute('fill', c.colour);
    rect.dataset.row = String(c.row);
    rect.dataset.col = String(c.col);
    rect.dataset.value = String(c.value);
  });
  figure.querySelectorAll('.saliency-tick').forEach((tick, i) => { tick.textContent = ticks[i]; });
}
