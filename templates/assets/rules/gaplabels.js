// The modality-gap chart's names: a greedy placer. Pure: the page runs it at the live plot's width, the build
// (explainer/views.py) at the static SVG's. Each named point (photos, then labels, in row order) tries
// GAP_OFFSETS in turn and keeps the first whose estimated text box overlaps no name already placed and no
// photo or label marker and stays inside the plot. A name that fits none of them is then placed further away
// with a leader line: rings of GAP_RADII px in GAP_DIRECTIONS, nearest first, the box avoiding every name,
// marker and line placed, the line as clear as GAP_LEVELS allows
// (the strictest level that has room); a name may also hang from the end of a rising or falling line. That
// phase is tried in the GAP_TRIES ways, keeping the one with the fewest names left out, then lines over other
// names, then crossing lines. Only a name that fits nowhere even so is not drawn (shown false: its point keeps
// the tooltip, and the table lists it).
import { FONT, GAP_PAD } from './layout.js';

const GAP_OFFSETS = [[9, 0, 'left'], [-9, 0, 'right'], [0, -14, 'center'], [0, 14, 'center'],
  [7, -11, 'left'], [-7, -11, 'right'], [7, 11, 'left'], [-7, 11, 'right']];
const GAP_CHAR = 0.62;
const GAP_LINE = 1.2;
const GAP_MARKER = 6;
const GAP_RADII = Array.from({ length: 24 }, (_, k) => 24 + 12 * k);  // 24 to 300 px
const GAP_COS = [1, 0.9808, 0.9239, 0.8315, 0.7071, 0.5556, 0.3827, 0.1951, 0];  // cos(k * 11.25 degrees)
const GAP_DIRECTIONS = (() => {  // 32 unit directions (y down), counterclockwise from (1, 0); the vertical ones last
  const turns = Array.from({ length: 32 }, (_, k) => {
    const c = GAP_COS[k % 8]; const s = GAP_COS[8 - (k % 8)];
    return [[c, -s], [-s, -c], [-c, s], [s, c]][Math.floor(k / 8)].map((v) => v + 0);  // + 0: no -0
  });
  return [...turns.filter((t) => t[0] !== 0), ...turns.filter((t) => t[0] === 0)];
})();
export const GAP_GAP = 2;  // px between a leader line's end and its name
const GAP_HANGS = ['right', 'left', 'center'];
// The leader phase is tried in these ways, and the best kept: row order, then by the points' x (left to right,
// right to left); names hanging from vertical lines only, then from any rising or falling line.
const GAP_TRIES = [[0, ['center']], [0, GAP_HANGS], [1, GAP_HANGS], [-1, GAP_HANGS]];
// What a leader line may not do, from the first level tried to the last: pass over a name, cross another
// line, pass over another point's marker.
const GAP_LEVELS = [['names', 'lines', 'markers'], ['names', 'lines'], ['names'], []];

/** Data -> pixel maps of the gap chart: the rows' extent, with pad px each side (Vega's scale padding). */
export function gapPixels(rows, width, height, pad = GAP_PAD) {
  const xs = rows.map((r) => r.x);
  const ys = rows.map((r) => r.y);
  const x0 = Math.min(...xs); const x1 = Math.max(...xs); const y0 = Math.min(...ys); const y1 = Math.max(...ys);
  const sx = x1 > x0 ? (width - 2 * pad) / (x1 - x0) : 0;
  const sy = y1 > y0 ? (height - 2 * pad) / (y1 - y0) : 0;
  return [(x) => (sx ? pad + (x - x0) * sx : width / 2), (y) => (sy ? height - pad - (y - y0) * sy : height / 2)];
}

/** [left, top, right, bottom] of a name drawn at (px + dx, py + dy), vertically centred. */
export function textBox(px, py, name, dx, dy, align, font = FONT) {
  const w = GAP_CHAR * font * [...name].length;
  const h = GAP_LINE * font;
  const left = px + dx - (align === 'right' ? w : align === 'center' ? w / 2 : 0);
  return [left, py + dy - h / 2, left + w, py + dy + h / 2];
}

export const boxesOverlap = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

/** Whether the segment [x0, y0, x1, y1] meets the box (Liang-Barsky clipping). */
export function segmentHitsBox([x0, y0, x1, y1], box) {
  const dx = x1 - x0; const dy = y1 - y0;
  let t0 = 0; let t1 = 1;
  for (const [p, q] of [[-dx, x0 - box[0]], [dx, box[2] - x0], [-dy, y0 - box[1]], [dy, box[3] - y0]]) {
    if (p === 0) { if (q < 0) return false; } else if (p < 0) t0 = Math.max(t0, q / p); else t1 = Math.min(t1, q / p);
    if (t0 > t1) return false;
  }
  return true;
}

const turn = (ax, ay, bx, by, cx, cy) => (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);

/** Whether two segments [x0, y0, x1, y1] cross (touching ends do not). */
export const segmentsCross = (a, b) => turn(...b, a[0], a[1]) * turn(...b, a[2], a[3]) < 0
  && turn(...a, b[0], b[1]) * turn(...a, b[2], b[3]) < 0;

/** Each [dx, dy, align, box, line, rx, ry] a leader line may give the name, nearest first: the line runs from
 *  the point to (px + rx, py + ry), and the name starts GAP_GAP px beyond that end, beside it or, for a line that
 *  rises or falls, hanging from it (hangs: right end, middle or left end there). */
function* leaderSpots(px, py, name, font, hangs) {
  const h = GAP_LINE * font;
  for (const radius of GAP_RADII) {
    for (const [ux, uy] of GAP_DIRECTIONS) {
      const rx = radius * ux; const ry = radius * uy;
      const line = [px, py, px + rx, py + ry];
      if (ux) {  // level with the line's end, beyond it
        const [dx, align] = ux > 0 ? [rx + GAP_GAP, 'left'] : [rx - GAP_GAP, 'right'];
        yield [dx, ry, align, textBox(px, py, name, dx, ry, align, font), line, rx, ry];
      }
      if (uy && (!ux || hangs.length > 1)) {
        const dy = ry + (h / 2 + GAP_GAP) * (uy > 0 ? 1 : -1);
        for (const align of hangs) yield [rx, dy, align, textBox(px, py, name, rx, dy, align, font), line, rx, ry];
      }
    }
  }
}

function leaderAllowed(line, i, level, placed, lines, markers) {
  const rules = GAP_LEVELS[level];
  return !(rules.includes('names') && placed.some((o) => segmentHitsBox(line, o)))
    && !(rules.includes('lines') && lines.some((other) => segmentsCross(line, other)))
    && !(rules.includes('markers') && [...markers].some(([j, m]) => j !== i && segmentHitsBox(line, m)));
}

/** Rows with label_dx, label_dy, label_align, shown and leader (with the line's end, leader_dx and leader_dy
 *  from the point) on each photo and label row. */
export function placeGapLabels(rows, width, height, font = FONT) {
  if (!rows.length) return [];
  const [toX, toY] = gapPixels(rows, width, height);
  const markers = new Map();
  const points = new Map();
  rows.forEach((r, i) => {
    if (r.kind === 'vocabulary') return;
    const p = [toX(r.x), toY(r.y)];
    points.set(i, p);
    markers.set(i, [p[0] - GAP_MARKER, p[1] - GAP_MARKER, p[0] + GAP_MARKER, p[1] + GAP_MARKER]);
  });
  const placed = [];
  const lines = [];
  const out = rows.map((r) => ({ ...r }));
  const free = (box) => box[0] >= 0 && box[1] >= 0 && box[2] <= width && box[3] <= height
    && ![...markers.values()].some((m) => boxesOverlap(box, m)) && !placed.some((o) => boxesOverlap(box, o))
    && !lines.some((line) => segmentHitsBox(line, box));
  for (const [i, [px, py]] of points) {
    Object.assign(out[i], { label_dx: 0, label_dy: 0, label_align: 'left', shown: false, leader: false });
    Object.assign(out[i], { leader_dx: 0, leader_dy: 0 });
    for (const [dx, dy, align] of GAP_OFFSETS) {
      const box = textBox(px, py, rows[i].name, dx, dy, align, font);
      if (!free(box)) continue;
      placed.push(box);
      Object.assign(out[i], { label_dx: dx, label_dy: dy, label_align: align, shown: true });
      break;
    }
  }
  const waiting = [...points.keys()].filter((i) => !out[i].shown);
  let best = null;
  for (const [order, hangs] of GAP_TRIES) {  // the fewest names left out, then lines over names, then crossings
    if (order) waiting.sort((a, b) => order * points.get(a)[0] - order * points.get(b)[0]);  // stable
    const tried = placeLeaders(waiting, points, rows, markers, placed, lines, free, hangs, font);
    const better = (k) => tried[k] < best[k] || (tried[k] === best[k] && k < 2 && better(k + 1));
    if (!best || better(0)) best = tried;
  }
  for (const [i, [dx, dy, align, rx, ry]] of best[3]) {
    Object.assign(out[i], { label_dx: dx, label_dy: dy, label_align: align, shown: true });
    Object.assign(out[i], { leader: true, leader_dx: rx, leader_dy: ry });
  }
  return out;
}

/** Leader lines for the names in `waiting`, in that order, after the names already placed: [left out, lines over
 *  another name, lines crossing, Map row -> [dx, dy, align, rx, ry]]; placed and lines are restored after. */
function placeLeaders(waiting, points, rows, markers, placed, lines, free, hangs, font) {
  const nPlaced = placed.length; const nLines = lines.length;
  const found = new Map(); const owners = [];
  for (const i of waiting) {
    const [px, py] = points.get(i);
    for (let level = 0; level < GAP_LEVELS.length; level++) {
      let spot = null;
      for (const s of leaderSpots(px, py, rows[i].name, font, hangs)) {
        if (free(s[3]) && leaderAllowed(s[4], i, level, placed, lines, markers)) { spot = s; break; }
      }
      if (!spot) continue;
      const [dx, dy, align, box, line, rx, ry] = spot;
      placed.push(box);
      lines.push(line);
      owners.push(placed.length - 1);
      found.set(i, [dx, dy, align, rx, ry]);
      break;
    }
  }
  let over = 0; let crossing = 0;
  lines.slice(nLines).forEach((line, n) => {
    placed.forEach((box, k) => { if (k !== owners[n] && segmentHitsBox(line, box)) over += 1; });
  });
  for (let m = nLines; m < lines.length; m++) {
    for (let k = 0; k < m; k++) if (segmentsCross(lines[k], lines[m])) crossing += 1;
  }
  placed.length = nPlaced; lines.length = nLines;
  return [waiting.length - found.size, over, crossing, found];
}
