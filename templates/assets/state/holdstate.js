// The store's holder (store.js's createStore), apart from the state's rules: the current state, changed only by
// dispatch(action) through the pure reducer, and after each action that changed it, the store's effects (effects.js)
// get the action and the newest state: what they start (a fetch, the worker) comes back through dispatch, as
// actions. They come first so that what they start runs while the page draws (a live label's text is in the
// worker while the figures draw its pending row). Then every subscriber is called with (state, previous, action).

/** initial state, reduce(state, action), effects(store) -> run(action, state) (optional)
 *  -> { getState, subscribe(listener), dispatch(action) }. */
export function holdState(initial, reduce, effects = null) {
  let state = initial;
  const listeners = [];
  const store = {
    getState: () => state,
    subscribe(listener) {
      listeners.push(listener);
    },
    dispatch(action) {
      const previous = state;
      state = reduce(state, action);
      if (state === previous) return state;
      run?.(action, state);
      for (const listener of listeners) listener(state, previous, action);
      return state;
    },
  };
  const run = effects?.(store);
  return store;
}
