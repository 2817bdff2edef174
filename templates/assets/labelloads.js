// The label files on their way, as a subscriber of the store: every candidate that is 'pending' (and not
// a live-mode text) has its file fetched; one removed meanwhile has its fetch aborted. Landings, of files
// and of live mode's embeddings alike, reach the store together on the next frame: a link with many
// labels redraws once per frame, not once per file.
import { fetchLabel } from './data.js';
import { actions } from './store.js';

/** land({ label, outcome, record, error, ms }): handed to the store with the others of its frame. */
export function landingsFor(store) {
  const landings = [];
  const flush = () => store.dispatch(actions.labelsLanded(landings.splice(0)));
  return (landing) => {
    if (landings.push(landing) === 1) requestAnimationFrame(flush);
  };
}

export function fetchLabelFiles(store, land) {
  const inFlight = new Map();  // label -> { entry: its pending state in the store, controller }
  store.subscribe((state) => {
    for (const [label, flight] of inFlight) {
      if (state.info.get(label) === flight.entry) continue;  // still pending, or landed but not yet handed over
      flight.controller.abort();  // landed (a no-op), or removed while pending
      inFlight.delete(label);
    }
    for (const [label, entry] of state.info) {
      if (entry.state !== 'pending' || state.live.includes(label) || inFlight.has(label)) continue;
      const controller = new AbortController();
      inFlight.set(label, { entry, controller });
      fetchLabel(label, controller.signal).then((record) => land({ label, outcome: 'ready', record }), (error) => {
        if (controller.signal.aborted) return;
        land({ label, outcome: error.name === 'NotInVocabulary' ? 'missing' : 'failed', error });
      });
    }
  });
}
