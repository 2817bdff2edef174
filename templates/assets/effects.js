// The page's side effects for labels, in one module: the store hands it every action after its reducer ran and
// before the subscribers draw (state/holdstate.js), and whatever it starts comes back to the store as actions.
// Actions in, actions out; no other module fetches a label's file or asks the worker for a label's vectors.
//
//  - a candidate 'pending' that is not a live text: its file is fetched (state/labelfiles.js through data.js),
//    after the vocabulary's names say it is there (a label a link makes up is left out without a 404); one
//    removed meanwhile has its fetch aborted. The files of one frame land together (labelsLanded): a link with
//    many labels redraws once per frame.
//  - a live text 'pending' while live mode is on: embedded by live mode's worker (live/livelabel.js), under
//    the template on screen first, which lands at once (its row gets numbers), then the other templates in the
//    background (liveTemplatesLanded, liveTemplatesFailed).
//  - a caption typed in the objective figure (state.typedVectors 'pending') while live mode is on: embedded as it
//    is, with no template, by live mode's worker (live/livelabel.js embedCaption) -> captionEmbedded.
//  - the attack lab's typed word on screen (state/attackstate.js typedStampKey) with no vector yet, while live mode
//    is on and the page has the lab: stamped (ui/stamping.js) and embedded by live mode's photo tower
//    (live/liveui.js embedPixels) -> attackStamped.
//  - a further model chosen (state.model): its files fetched by state/modelfiles.js (imported with the first one
//    chosen) -> modelLanded, modelFailed.
// It sits beside page.js, above state/ and live/, because it calls both; live/livelabel.js is imported only
// once live mode is on (it came with live mode's code), never with the first view.
import { actions } from './state/store.js';
import { fetchLabel, loadNames, photosOf, snap } from './state/data.js';
import { typedStampKey } from './state/attackstate.js';

const NOT_THERE = 'NotInVocabulary';  // labelfiles.js's error for a 404, and ours for a name not listed

/** store -> run(action, state): the store's effects (createStore's second argument). */
export function labelEffects(store) {
  const inFlight = new Map();      // label -> { entry: its pending state in the store, controller }
  const embedding = new WeakSet();  // the store's pending entries of live texts whose embedding has begun
  const landings = [];             // the frame's landed files, handed to the store together
  const flush = () => store.dispatch(actions.labelsLanded(landings.splice(0)));
  const land = (landing) => {
    if (landings.push(landing) === 1) requestAnimationFrame(flush);
  };

  function fetchFile(label, entry) {
    const controller = new AbortController();
    inFlight.set(label, { entry, controller });
    inVocabulary(store, label).then((known) => {
      if (!known) throw Object.assign(new Error(`“${label}” is not in the vocabulary`), { name: NOT_THERE });
      return fetchLabel(label, controller.signal);
    }).then((record) => land({ label, outcome: 'ready', record }), (error) => {
      if (controller.signal.aborted) return;
      land({ label, outcome: error.name === NOT_THERE ? 'missing' : 'failed', error });
    });
  }

  // live/livelabel.js, taken as soon as live mode is on (it came with live mode): a label's text then reaches the
  // worker without import()'s await, in the task of the action, before the page draws its pending row
  let liveLabel = null;
  async function embedLive(label, templateId) {
    const live = liveLabel ?? (liveLabel = await import('./live/livelabel.js'));
    const landing = await live.embedFirst(label, templateId);
    if (!landing) return;  // removed before its turn
    // at once, not with the frame's other landings: the background vectors must find the label ready
    store.dispatch(actions.labelsLanded([landing]));
    if (landing.outcome !== 'ready') return;
    for (const batch of live.embedRest(label, landing.coming)) {
      batch.then((done) => {  // null: a batch of the ensemble's sentences that lands with the last one, or stale
        if (done?.vectors) store.dispatch(actions.liveTemplatesLanded(label, done.vectors));
        else if (done?.error) store.dispatch(actions.liveTemplatesFailed(label, done.error));
      });
    }
  }

  const captionsAsked = new WeakSet();  // the store's pending entries of typed captions whose embedding has begun
  function embedCaptions(state) {
    if (state.liveMode !== 'on') return;
    for (const [text, entry] of state.typedVectors) {
      if (entry.state !== 'pending' || captionsAsked.has(entry)) continue;
      captionsAsked.add(entry);
      import('./live/livelabel.js').then((live) => live.embedCaption(text)).then(
        (vector) => store.dispatch(actions.captionEmbedded(text, vector)),
        (error) => store.dispatch(actions.captionEmbedded(text, null, error)));
    }
  }

  const stampsAsked = new Set();  // typed stamps whose embedding has begun and not landed yet
  function embedStamp(state) {
    const key = typedStampKey(state);
    if (state.liveMode !== 'on' || !key || state.attackStamps.has(key) || stampsAsked.has(key)
      || !document.getElementById('attack')) return;
    stampsAsked.add(key);
    const photo = photosOf(state).find((p) => p.id === state.photo);
    Promise.all([import('./ui/stamping.js'), import('./live/liveui.js')])  // here already: the lab's, live mode's
      .then(([stamping, ui]) => stamping.stampedPixels(snap, photo, state.attack).then(ui.embedPixels))
      .then(({ vector }) => store.dispatch(actions.attackStamped(key, vector)),
        (error) => store.dispatch(actions.attackStamped(key, null, error)))
      .finally(() => stampsAsked.delete(key));
  }

  let models = null;  // state/modelfiles.js's effects, once a further model is chosen
  return (action, state) => {
    if (state.liveMode === 'on' && !liveLabel) import('./live/livelabel.js').then((live) => { liveLabel = live; });
    if (state.model) {
      models ??= import('./state/modelfiles.js').then((files) => files.modelEffects(store));
      models.then((run) => run(store.getState()));
    }
    embedCaptions(state);
    embedStamp(state);
    for (const [label, flight] of inFlight) {
      if (state.info.get(label) === flight.entry) continue;  // still pending, or landed but not yet handed over
      flight.controller.abort();  // landed (a no-op), or removed while pending
      inFlight.delete(label);
    }
    for (const [label, entry] of state.info) {
      if (entry.state !== 'pending') continue;
      if (!state.live.includes(label)) {
        if (!inFlight.has(label)) fetchFile(label, entry);
      } else if (state.liveMode === 'on' && !embedding.has(entry)) {  // a failed one waits for its Retry
        embedding.add(entry);
        embedLive(label, state.template);
      }
    }
  };
}

/** Whether the vocabulary has this exact label: the build's default labels are known; any other label is
 * looked up in the names file (loaded once, and handed to the store), so a label a link makes up is left
 * out without asking for a file that is not there (no 404). */
async function inVocabulary(store, label) {
  if (snap.default.labels.includes(label)) return true;
  const names = store.getState().names ?? await loadNames();
  if (!store.getState().names) store.dispatch(actions.namesLoaded(names));
  return names.byLower.get(label.toLowerCase()) === label;
}
