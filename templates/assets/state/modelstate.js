// The model the page shows (issue 36), joined to store.js's state, actions and reducers. The site carries several
// models (the snapshot's `models` list, the default first); a further one's data is models/<id>/data/model.json and
// its label files there (state/modelfiles.js fetches them when the model is chosen, never with the first view).
//   model: the chosen further model's id, kept in the link (urlstate.js: model=ID); null: the default model.
//   shownModel: the model whose numbers are on screen: the chosen one once its data has landed, until then the one
//     before it (no flash of numbers that are not yet there); null: the default.
//   modelData: id -> { state: 'pending' | 'ready' | 'failed', data, labels, error }, each model once landed kept
//     (switching back is instant). data: { image: [(dim,)] per photo, text: Map(template id -> Map(label -> (dim,))),
//     builtin: Set of the build's labels, dim, root }; labels: Map(label -> { state: 'ready', vectors: Map(template
//     id -> (dim,)), neighbours } or { state: 'missing' } (not in its vocabulary) or { state: 'failed', error }).
//   modelFailure: the id of a chosen model whose data could not be loaded (the page says so), else null.
// The reader's own photo and live texts are the default model's alone (live mode embeds them with it).

export const modelState = () => ({ model: null, shownModel: null, modelData: new Map(), modelFailure: null });

export const MODEL_ACTIONS = {
  /** id: one of the snapshot's further models; null: the default. */
  chooseModel: (id) => ({ type: 'chooseModel', id }),
  /** A further model's data landed (data: see above; null when only labels came) with labels: [[label, entry]]. */
  modelLanded: (id, data, labels = []) => ({ type: 'modelLanded', id, data, labels }),
  modelFailed: (id, error) => ({ type: 'modelFailed', id, error }),
};

/** The state with model `id` chosen (null: the default); a further model not landed yet is
 * asked for (pending) and the numbers on screen stay the previous model's until it lands. */
export function withModel(state, id) {
  const model = id || null;
  if (model === state.model) return state;
  const entry = model && state.modelData.get(model);
  if (!model || entry?.state === 'ready') return { ...state, model, shownModel: model, modelFailure: null };
  const modelData = new Map(state.modelData).set(model, { state: 'pending', labels: entry?.labels ?? new Map() });
  return { ...state, model, modelData, modelFailure: null };
}

export const MODEL_REDUCERS = {
  chooseModel: (state, { id }) => withModel(state, id),
  modelLanded(state, { id, data, labels }) {
    const entry = state.modelData.get(id) ?? { state: 'pending', labels: new Map() };
    const next = { ...entry, labels: new Map([...entry.labels, ...labels]) };
    if (data) Object.assign(next, { state: 'ready', data });
    const modelData = new Map(state.modelData).set(id, next);
    return { ...state, modelData, shownModel: next.state === 'ready' && state.model === id ? id : state.shownModel };
  },
  modelFailed(state, { id, error }) {
    const entry = state.modelData.get(id);
    if (entry?.state !== 'pending') return state;
    const modelData = new Map(state.modelData).set(id, { ...entry, state: 'failed', error });
    if (state.model !== id) return { ...state, modelData };
    return { ...state, modelData, model: state.shownModel, modelFailure: id };  // the link names what is shown
  },
};

/** The further model whose numbers are on screen, { id, data, labels }, or null for the default. With the reader's
 * own photo chosen the default's numbers are shown: only the default model embeds it (live mode). */
export function shownModelData(state) {
  if (!state.shownModel || String(state.photo).startsWith('own:')) return null;
  const entry = state.modelData.get(state.shownModel);
  return entry?.data ? { id: state.shownModel, ...entry } : null;
}

/** A label's state under the model on screen, given its state as the default model has it (store.js labelState):
 * a further model scores a label of the build's list, or a vocabulary label once its file there has landed
 * ('pending' until then); a live text, or a label its vocabulary lacks, has no vector there ('elsewhere'). */
export function onShownModel(state, label, base) {
  const shown = base === 'ready' && shownModelData(state);
  if (!shown || shown.data.builtin.has(label)) return base;
  if (state.live.includes(label)) return 'elsewhere';
  const entry = shown.labels.get(label);
  if (!entry) return 'pending';
  return entry.state === 'ready' ? 'ready' : 'elsewhere';
}

/** A link's model=: one of the site's further models (ids: the snapshot's, the default first), else null (the
 * default), with a notice for an id the site does not carry (the link's text is not repeated). */
export function modelOf(value, ids = [], notices = []) {
  if (value === null || value === ids[0]) return null;
  if (ids.includes(value)) return value;
  notices.push('The link names a model this site does not carry; showing the default model.');
  return null;
}

/** What the page says of the models (control bar, paused figures): the snapshot's entries (models: its list, the
 * default first) of the model shown and the one chosen, whether the chosen one is loading or failed, whether the
 * reader's own photo keeps the default's numbers on screen, and whether "centre the space" is on but the shown
 * further model's means (numbersstate.js, its own centre.json) are still on their way. */
export function modelsOf(state, models = []) {
  const byId = (id) => models.find((model) => model.id === id) ?? models[0] ?? null;
  return { list: models, shown: byId(shownModelData(state)?.id), chosen: byId(state.model),
    loading: state.modelData.get(state.model)?.state === 'pending',
    failed: state.modelFailure ? byId(state.modelFailure) : null,
    ownPhoto: Boolean(state.model) && String(state.photo).startsWith('own:'),
    uncentred: state.centred && Boolean(shownModelData(state)) && !state.modelCentres?.has(shownModelData(state)
      .data.root) };
}
