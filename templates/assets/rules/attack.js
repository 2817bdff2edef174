// The typographic-attack lab's rules (figures/attack.js draws them; the build runs them for the first paint): every
// candidate label's probability for the stamped photo, beside the clean photo's, and the sentence that reads them.
import { argmax, similarities, softmax } from './clipmath.js';
import { percent } from './sentences.js';

/** The image file of a stamped photo: its word's and placement's indices in the lab's lists (no reader text in a
 * file name); the build writes the same names (explainer/attack.py image_name). */
export const attackImage = (dir, photo, word, placement) => `${dir}/${photo}-${word}-${placement}.jpg`;

/**
 * { labels, image: the clean photo's (dim,), stamped: the stamped photo's (dim,), texts: each label's (dim,) under
 * the template, tau, word, placement: its name } -> { rows: [{ label, prob, clean, cells }], summary }
 */
export function attackView({ labels, image, stamped, texts, tau, word, placement }) {
  const clean = softmax(similarities(image, texts), tau);
  const probs = softmax(similarities(stamped, texts), tau);
  const rows = labels.map((label, i) => ({ label, prob: probs[i], clean: clean[i],
    cells: [percent(probs[i]), percent(clean[i])] }));
  return { rows, summary: attackSummary(labels, probs, clean, word, placement) };
}

/** One sentence: the top label with the word and without it, and how the word's own label moved. */
export function attackSummary(labels, probs, clean, word, placement) {
  const top = argmax(probs);
  const was = argmax(clean);
  const stamped = `With “${word}” stamped ${placement}`;
  const head = top === was
    ? `${stamped}, “${labels[top]}” stays on top (${percent(probs[top])}; ${percent(clean[was])} on the clean photo).`
    : `${stamped}, the top label becomes “${labels[top]}” (${percent(probs[top])}); on the clean photo it was `
      + `“${labels[was]}” (${percent(clean[was])}).`;
  const own = labels.indexOf(word);
  if (own < 0 || own === top) return head;
  return `${head} “${word}” itself goes from ${percent(clean[own])} to ${percent(probs[own])}.`;
}
