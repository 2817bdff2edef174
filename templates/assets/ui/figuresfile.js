// The last figures' data file, figures.json (the modality gap's vocabulary cloud, label crowding's near-synonyms of
// each default label), read one way for every model: the default model's through state/data.js loadFigures (the
// store's `figures`), a further model's (issue 36: models/<id>/data/figures.json, its own projection and neighbours)
// by the gap and crowding figures themselves, fetched once per path when the figure first needs it.
import { decodeFloat16, rows } from '../rules/clipmath.js';

/** A figures.json at path -> { crowding, cloud: [{ kind, name, x, y }] } (a rejection names the HTTP status). */
export async function readFigures(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  const data = await response.json();
  const cloud = rows(decodeFloat16(data.cloud_points), 2)
    .map(([x, y], i) => ({ kind: 'vocabulary', name: data.cloud_names[i], x, y }));
  return { crowding: data.crowding, cloud };
}

const files = new Map();  // path -> { state: 'pending' | 'loaded' | 'failed', crowding, cloud }

/** The figures data the view's figure reads, in the store's shape ({ state, crowding, cloud }): the store's for the
 *  default model, else the further model's own file, fetched on first need (redraw() runs when it lands or fails;
 *  a failed one is asked again on the next call). */
export function figuresOf(view, redraw) {
  if (!view.modelRoot) return view.figures;
  const path = view.modelRoot + view.snap.figures;
  const known = files.get(path);
  if (known && known.state !== 'failed') return known;
  files.set(path, { state: 'pending', crowding: null, cloud: [] });
  readFigures(path).then((data) => files.set(path, { state: 'loaded', ...data }),
    () => files.set(path, { state: 'failed', crowding: null, cloud: [] })).then(redraw);
  return files.get(path);
}
