// The figures' data files (a photo's scores, the occluded vectors, a further model's model.json, ...), each fetched
// once per path when a figure first needs it; every model has its own under its data root, so the path is the key.
// A file is pending, then loaded (its parsed value) or failed (its Error), and whoever asked for it is drawn again
// when it settles. A failed file is asked for again only by a call RETRY_MS after the failure: the redraw that shows
// a failure cannot loop, and a dropped connection heals on a later view.

export const RETRY_MS = 5000;

/** A figure's own table of files (a path is parsed one way within a table): the returned
 *  file(path, parse, redraw) starts the fetch on first call and returns its entry, { state: 'pending' | 'loaded' |
 *  'failed', value: parse(json) once loaded, error }; redraw() runs when it settles. file.peek(path): the entry
 *  if the file was asked for, else null, starting nothing. */
export function dataFiles() {
  const files = new Map();  // path -> { state, value, error, failedAt, redraws: Set of the callers' redraws }
  function file(path, parse, redraw) {
    let entry = files.get(path);
    if (!entry || (entry.state === 'failed' && performance.now() - entry.failedAt >= RETRY_MS)) {
      entry = { state: 'pending', value: null, error: null, failedAt: 0, redraws: entry?.redraws ?? new Set() };
      files.set(path, entry);
      const settle = (change) => {
        Object.assign(entry, change);
        for (const again of [...entry.redraws]) again();
      };
      fetch(path).then((response) => {
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
        return response.json();
      }).then(parse).then((value) => settle({ state: 'loaded', value }),
        (error) => settle({ state: 'failed', error, failedAt: performance.now() }));
    }
    if (redraw) entry.redraws.add(redraw);
    return entry;
  }
  file.peek = (path) => files.get(path) ?? null;
  return file;
}

/** The parsed file once loaded, else null (pending, or failed and not yet asked again). */
export const loaded = (entry) => (entry?.state === 'loaded' ? entry.value : null);
