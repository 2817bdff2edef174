// The store's holder (store.js's createStore), apart from the state's rules: the current state, changed only by
// dispatch(action) through the pure reducer, and after each action that changed it, every subscriber called with
// (state, previous, action).

/** initial state, reduce(state, action) -> { getState, subscribe(listener), dispatch(action) }. */
export function holdState(initial, reduce) {
  let state = initial;
  const listeners = [];
  return {
    getState: () => state,
    subscribe(listener) {
      listeners.push(listener);
    },
    dispatch(action) {
      const previous = state;
      state = reduce(state, action);
      if (state !== previous) for (const listener of listeners) listener(state, previous, action);
      return state;
    },
  };
}
