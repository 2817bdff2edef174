// Inside the towers: how the deep dive's figures are shown (store.js spreads these into its actions and reducers).
// The image tower's layer (1..L; null: the last), head (1..H or 'mean'), view ('attention' or 'rollout', the
// latter averaging the heads) and the text tower's layer; all in the link (urlstate.js), rewritten, not pushed.

export const TOWERS = Object.freeze({ layer: null, head: 'mean', view: 'attention', textLayer: null });

export const towerActions = {
  chooseLayer: (layer) => ({ type: 'chooseTowers', towers: { layer } }),
  chooseHead: (head) => ({ type: 'chooseTowers', towers: { head } }),
  chooseAttentionView: (view) => ({ type: 'chooseTowers', towers: { view } }),
  chooseTextLayer: (textLayer) => ({ type: 'chooseTowers', towers: { textLayer } }),
};

/** The reducer: the same state when nothing it names changes. */
export const chooseTowers = (state, { towers }) => (Object.entries(towers).every(([k, v]) => state.towers[k] === v)
  ? state : { ...state, towers: { ...state.towers, ...towers } });
