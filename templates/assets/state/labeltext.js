// What a label is as text: cleaned the same way wherever it comes from (the add box, a link, an author's
// data-add-labels), and refused where no chart could show it. Pure; the store re-exports both.

// eslint-disable-next-line no-control-regex -- what a label loses: controls (NUL...) and line separators
const CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;
// invisible characters: zero-width ones (a "c\u200Bat" twin of "cat"), bidi controls (U+202E reverses a row)
const INVISIBLE = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
/** A label as looked up, stored and shown: invisible characters out, controls and white space runs one space. */
export const cleanLabel = (text) => text.replace(INVISIBLE, '').replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim();
/** A label no chart can show: Vega keys values on plain objects ("constructor": d.push is not a function). */
export const reservedLabel = (label) => Object.hasOwn(Object.prototype, label);
