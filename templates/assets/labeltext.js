// A label as the reader types it and as the page quotes it: one length limit for the URL, the add-label
// box, live mode and the closest-spelling search.
export const MAX_LABEL_LENGTH = 64;  // characters

/** Runs of white space made one space, ends trimmed: the label as it is looked up and shown. */
export const cleanLabel = (text) => text.replace(/\s+/g, ' ').trim();

/** A label in quotes, cut at the length limit. */
export const quoted = (text) => `“${text.length > MAX_LABEL_LENGTH ? `${text.slice(0, MAX_LABEL_LENGTH)}…` : text}”`;
