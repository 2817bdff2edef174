// The sentences the page writes about a view, and the figures' table cells. Pure: the figures write them for
// the reader's view, and the build (explainer/views.py) for the first paint, so both read the same.
import { argmax } from './clipmath.js';
import { countTokens } from './tokenlayout.js';

export const percent = (p, digits = 1) => `${(100 * p).toFixed(digits)}%`;
export const threeDigits = (x) => String(Number(x.toPrecision(3)));  // 0.0126, 79.4, 100
export const fixed = (x, digits) => x.toFixed(digits);  // a similarity (4), the entropy (3), a pixel statistic (2)
export const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
export const signed = (x) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(4)}`;  // a change, with its sign always

/** A template's text with the label in place of {label} (explainer/content.py Template.fill, tested equal): split
 *  and join, so a label's "$&" or "{label}" stays itself. */
export const fillTemplate = (text, label) => text.split('{label}').join(label);

// A live text (any text the reader types in live mode) that begins with its own article ("a tarantula eating
// sushi") takes the place of the template's article before {label}: the model reads "a photo of a tarantula eating
// sushi.", not "a photo of a a tarantula eating sushi.". Vocabulary labels are filled by fillTemplate, as the
// build embeds them.
const ENDS_IN_ARTICLE = /(^|\s)(a|an|the)\s+$/i;   // the template's words before {label}: "a photo of a "
const STARTS_WITH_ARTICLE = /^(a|an|the)\s+\S/i;   // the text: "a tarantula", "The Eiffel Tower"

/** The sentence the model reads for a live text under a template ('{label}' once or more); split/join, so a '$&' in
 * the text stays as written. */
export function fillLive(templateText, label) {
  const [before, ...after] = templateText.split('{label}');
  if (!after.length) return templateText;
  const head = STARTS_WITH_ARTICLE.test(label) ? before.replace(ENDS_IN_ARTICLE, '$1') : before;
  return fillTemplate(head + ['', ...after].join('{label}'), label);
}

/** The text embedding's caption: the first label as the chosen template wraps it. */
export function vectorSummary(label, template, ensembleSize) {
  const text = template.ensemble ? `${label}, averaged over ${ensembleSize} templates`
    : fillTemplate(template.text, label);
  return `“${text}”`;
}

/** An embedding's table: [dimension, value] rows. */
export const vectorCells = (vector) => Array.from(vector, (v, i) => [String(i), v.toFixed(4)]);

/** The temperature sweep's sentence, at temperature tau, for the top label and the view's entropy. */
export const sweepSummary = (tau, label, probability, entropy) => `At τ = ${threeDigits(tau)}, “${label}” takes `
  + `${percent(probability)} and the entropy is ${entropy.toFixed(3)} nats.`;

/** How to read the photo-label matrix: values[p][i] is photo p's cosine (or probability) with label i. In cosine
 *  mode one colour scale spans every cell, so the sentence names the scale's ends and the photo whose cosines are
 *  all lowest (its line is the faintest), whose best label is still its darkest cell. */
export function matrixReading(titles, values, measure) {
  const line = "each photo's line (its row; on a phone, its column)";
  if (measure !== 'similarity') {
    return `Each cell is a probability: ${line} adds up to 100%, and its best label is its darkest cell.`;
  }
  const all = values.flat();
  const best = values.map((v) => Math.max(...v));
  const faint = best.indexOf(Math.min(...best));
  const [lo, hi] = [Math.min(...values[faint]), best[faint]];
  return `One colour scale spans every cell, from ${Math.min(...all).toFixed(3)} to ${Math.max(...all).toFixed(3)}, `
    + `so read ${line} on its own: its best label is its darkest cell, however pale the line. The palest is `
    + `“${titles[faint]}”, whose cosines all lie between ${lo.toFixed(3)} and ${hi.toFixed(3)}.`;
}

/** The modality gap's table: [name, kind, x, y] per photo and label point. */
export const gapCells = (points) => points.map(({ name, kind, x, y }) => [name, kind, x.toFixed(3), y.toFixed(3)]);

/** The modality gap's means: cosine between two photos, two label texts, a photo and a label text. */
export const gapSummary = (photos, labels, between) => `Mean cosine between two photos: ${photos.toFixed(3)}; `
  + `between two label texts: ${labels.toFixed(3)}; between a photo and a label text: ${between.toFixed(3)}.`;

/** Best and worst template for the top label under the chosen one (current). probs[t][i]: template t, label i. */
export function templateVerdict(labels, names, probs, current) {
  const top = argmax(probs[current]);
  const column = probs.map((p) => p[top]);
  const best = argmax(column);
  const worst = argmax(column.map((p) => -p));
  const pct = (p) => (100 * p).toFixed(1);
  return `For the top label “${labels[top]}”, the best template is “${names[best]}” (${pct(column[best])}%) and the `
    + `worst is “${names[worst]}” (${pct(column[worst])}%): a difference of ${pct(column[best] - column[worst])} `
    + 'percentage points.';
}

/** steps: crowdingSteps (rows.js) of the top label `label`. */
export const crowdingSummary = (label, steps) => `Adding ${steps.length - 1} near-synonyms of “${label}”, one at a `
  + `time, takes its probability from ${percent(steps[0].top)} to ${percent(steps[steps.length - 1].top)}, although `
  + 'the photo has not changed.';

/** The crowding table: per step, [label added, top label, near-synonyms, other labels]. */
export const crowdingCells = (steps) => steps.map((step) => [step.added || '(none yet)',
  ...[step.top, step.synonyms, step.others].map((v) => percent(v))]);

/** The words after a label in the tokens figure, for its laid-out tokens (layoutTokens): [how many tokens it
 *  reads, the cut note or '']. */
export function tokenNote(tokens, contextLength, ensembleSize, ensemble) {
  const { kept, cut } = countTokens(tokens);
  const reads = ensemble ? `: the label's own pieces (each of the ${ensembleSize} templates wraps them)`
    : `: ${kept} of ${contextLength} tokens`;
  return [reads, cut ? `(cut: ${cut} more token${cut > 1 ? 's do' : ' does'} not fit)` : ''];
}
