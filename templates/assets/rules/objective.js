// CLIP's training objective for one batch of N photos and their N captions (Radford et al. 2021, Figure 3): the
// N x N logits cosine / tau, a softmax along each row (photo -> captions) and down each column (caption ->
// photos), each one's cross-entropy against the matching pair (the diagonal), the symmetric loss and its exact
// gradient with respect to every logit. Pure: the build runs it in Node for the first paint
// (explainer/numbers.py), the objective figure in the browser.
import { dot, softmax } from './clipmath.js';
import { fixed, threeDigits } from './sentences.js';

/** images (N, dim), captions (N, dim) unit vectors -> logits (N, N): row i photo i, column j caption j. */
export const objectiveLogits = (images, captions, tau) =>
  images.map((image) => captions.map((caption) => dot(image, caption) / tau));

const columns = (matrix) => matrix[0].map((_, j) => matrix.map((row) => row[j]));
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/** -ln softmax(z)[k] as log-sum-exp(z) - z[k]: exact where the probability itself would round to 0. */
function crossEntropy(z, k) {
  const max = Math.max(...z);
  return Math.log(z.reduce((sum, x) => sum + Math.exp(x - max), 0)) + max - z[k];
}

/** The objective of one batch from its logits (N, N), photo i's caption being column i:
 *  pRow[i][j] = softmax of row i at j (photo i -> caption j); pCol[i][j] = softmax of column j at i;
 *  rowLoss[i], colLoss[j] their cross-entropies; lossImage, lossText their means over the batch; loss their mean;
 *  grad[i][j] = d loss / d logit[i][j] = ((pRow[i][j] - [i = j]) + (pCol[i][j] - [i = j])) / (2N):
 *  each cross-entropy's gradient is its softmax minus the one-hot target, each mean divides by N, and the
 *  symmetric loss halves the sum of the two directions. */
export function objectiveFromLogits(logits) {
  const n = logits.length;
  const pRow = logits.map((row) => softmax(row, 1));
  const pCol = columns(columns(logits).map((column) => softmax(column, 1)));
  const rowLoss = logits.map((row, i) => crossEntropy(row, i));
  const colLoss = columns(logits).map((column, j) => crossEntropy(column, j));
  const lossImage = mean(rowLoss);
  const lossText = mean(colLoss);
  const grad = logits.map((row, i) => row.map((_, j) => (pRow[i][j] + pCol[i][j] - 2 * (i === j)) / (2 * n)));
  return { logits, pRow, pCol, rowLoss, colLoss, lossImage, lossText, loss: (lossImage + lossText) / 2, grad };
}

/** The objective of a batch: images and captions (N, dim) unit vectors at temperature tau. */
export const objective = (images, captions, tau) => objectiveFromLogits(objectiveLogits(images, captions, tau));

/** What the figure shows, the first paint's and the page's: { tau, scale, loss, lossImage, lossText, ...numbers,
 *  shown: { tau, scale, loss, lossImage, lossText }, cells: [[{ logit, pRow, pCol, grad, text }]], rows, cols,
 *  sentence }. titles: the photos' (rows); captions: the texts of the columns. */
export function objectiveView(images, captionVectors, tau, titles, captions) {
  const o = objective(images, captionVectors, tau);
  const n = titles.length;
  const cells = o.logits.map((row, i) => row.map((logit, j) => ({
    logit, pRow: o.pRow[i][j], pCol: o.pCol[i][j], grad: o.grad[i][j],
    text: { logit: fixed(logit, 2), pRow: fixed(o.pRow[i][j], 3), pCol: fixed(o.pCol[i][j], 3),
            grad: pushWords(o.grad[i][j]) },
  })));
  const rows = titles.map((title, i) => ({ title, loss: o.rowLoss[i], text: fixed(o.rowLoss[i], 3) }));
  const cols = captions.map((caption, j) => ({ caption, loss: o.colLoss[j], text: fixed(o.colLoss[j], 3) }));
  const shown = { tau: threeDigits(tau), scale: threeDigits(1 / tau), loss: fixed(o.loss, 4),
                  lossImage: fixed(o.lossImage, 4), lossText: fixed(o.lossText, 4), chance: fixed(Math.log(n), 4) };
  return { tau, scale: 1 / tau, loss: o.loss, lossImage: o.lossImage, lossText: o.lossText, cells, rows, cols, shown,
           sentence: objectiveSentence(o, shown, n) };
}

/** A gradient as the push a training step gives its logit (a step goes against the gradient). */
export function pushWords(grad) {
  const size = Math.abs(grad) < 5e-5 ? '0' : Math.abs(grad).toFixed(4);
  if (size === '0') return '·0';
  return `${grad < 0 ? '▲' : '▼'}${size}`;
}

function objectiveSentence(o, shown, n) {
  const right = o.pRow.filter((row, i) => row.indexOf(Math.max(...row)) === i).length;
  return `At τ = ${shown.tau} (logits = cosine × ${shown.scale}), its own caption takes the largest share `
    + `for ${right} of the ${n} photos; a batch that could not tell its pairs apart would cost ln ${n} = `
    + `${shown.chance}.`;
}
