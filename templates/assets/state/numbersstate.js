// The view settings of "What the numbers mean" (content/sections/11-numbers.md), joined to store.js's state,
// actions and reducers: which caption stands for each photo in the objective figure's batch.

/** captions: photo id -> the page's label that stands in for the photo's alt text (none: its alt text). */
export const numbersState = () => ({ captions: new Map() });

export const NUMBERS_ACTIONS = {
  /** The objective figure's caption of photo `photo`: one of the page's labels, or null for its own alt text. */
  setCaption: (photo, label) => ({ type: 'setCaption', photo, label }),
};

export const NUMBERS_REDUCERS = {
  setCaption(state, { photo, label }) {
    if ((state.captions.get(photo) ?? null) === label) return state;
    const captions = new Map(state.captions);
    if (label === null) captions.delete(photo);
    else captions.set(photo, label);
    return { ...state, captions };
  },
};
