// The last figures' data file, figures.json (the modality gap's vocabulary cloud, label crowding's near-synonyms of
// each default label), read one way for every model: the default model's through state/data.js loadFigures (the
// store's `figures`), a further model's (issue 36: models/<id>/data/figures.json, its own projection and neighbours)
// by the gap and crowding figures themselves, fetched once per path when the figure first needs it.
import { decodeFloat16, rows } from '../rules/clipmath.js';
import { dataFiles } from './datafiles.js';

/** figures.json's record -> { crowding, cloud: [{ kind, name, x, y }] }. */
function parseFigures(data) {
  const cloud = rows(decodeFloat16(data.cloud_points), 2)
    .map(([x, y], i) => ({ kind: 'vocabulary', name: data.cloud_names[i], x, y }));
  return { crowding: data.crowding, cloud };
}

/** A figures.json at path -> { crowding, cloud } (a rejection names the HTTP status). */
export async function readFigures(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return parseFigures(await response.json());
}

const files = dataFiles();  // path -> { state: 'loaded', crowding, cloud }
const NOT_HERE = { pending: { state: 'pending', crowding: null, cloud: [] },
  failed: { state: 'failed', crowding: null, cloud: [] } };

/** The figures data the view's figure reads, in the store's shape ({ state, crowding, cloud }): the store's for the
 *  default model, else the further model's own file, fetched on first need (redraw() runs when it lands or fails;
 *  redraw: one function per figure, kept with the file). */
export function figuresOf(view, redraw) {
  if (!view.modelRoot) return view.figures;
  const file = files(view.modelRoot + view.snap.figures, (data) => ({ state: 'loaded', ...parseFigures(data) }),
    redraw);
  return file.state === 'loaded' ? file.value : NOT_HERE[file.state];
}
