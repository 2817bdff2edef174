// "Models compared": the site's models side by side for one photo, template and set of labels. Each model's cosines
// (from its own stored vectors: the default's from the view, a further model's from its models/<id>/data/model.json),
// its probabilities at the chosen temperature, its top label, the spread of its cosines, and its sizes. The build runs
// modelsView in Node for the first paint (explainer/modelset.py models_first_paint); figures/models.js redraws it.
import { argmax, similarities, softmax } from './clipmath.js';
import { fixed, percent } from './sentences.js';

/** 3632769 -> '3.6 M', 151277313 -> '151.3 M', 87849 -> '87.8 k'. */
export function parameterText(n) {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  return n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n);
}

/** One model's column: entry { id, name, dim, patch_size, image_size, grid, parameters, embed_ms, ... } with either
 *  cosines (L,) or image (dim,) and texts (one (dim,) per label it has); or missing: why this model has no numbers
 *  for this view. absent: Map(label -> why) of the labels it has no vector for (a label outside a further model's
 *  shorter vocabulary): their cells say why, and its softmax runs over the labels it has, as the page's does. */
function column(entry, labels, tau) {
  const sizes = { parameters: parameterText(entry.parameters.total), vision: parameterText(entry.parameters.vision),
    text: parameterText(entry.parameters.text), grid: `${entry.grid} × ${entry.grid}`,
    image: `${entry.image_size} × ${entry.image_size}`, embed: `${entry.embed_ms.toFixed(1)} ms` };
  const base = { id: entry.id, name: entry.name, dim: entry.dim, grid: entry.grid, patchSize: entry.patch_size,
    imageSize: entry.image_size, parameters: entry.parameters, embedMs: entry.embed_ms, source: entry.source ?? '',
    licence: entry.licence ?? '', standIn: Boolean(entry.stand_in), root: entry.root ?? '', sizes };
  const absent = entry.absent ?? new Map();
  const kept = labels.filter((label) => !absent.has(label));
  const cosines = entry.missing || !kept.length ? null : entry.cosines ?? similarities(entry.image, entry.texts);
  if (!cosines) {
    return { ...base, missing: entry.missing ?? [...absent.values()][0] ?? 'no vectors', cells: [], top: null };
  }
  const probs = softmax(cosines, tau);
  const at = new Map(kept.map((label, i) => [label, i]));
  const cellAt = (label, i) => ({ label, cosine: cosines[i], prob: probs[i],
    text: { cosine: fixed(cosines[i], 4), prob: percent(probs[i]) } });
  const cells = labels.map((label) => (at.has(label) ? cellAt(label, at.get(label))
    : { label, missing: absent.get(label) }));
  const low = Math.min(...cosines);
  const high = Math.max(...cosines);
  const top = argmax(probs);
  const over = absent.size ? ` over the ${kept.length} of ${labels.length} labels it has` : '';
  return { ...base, missing: null, cells, top: kept[top], topProb: probs[top], low, high, spread: high - low,
    scale: `${fixed(low, 4)} to ${fixed(high, 4)} (spread ${fixed(high - low, 4)}${over})` };
}

/** Where the models part: the same top label for all, or each model's own. */
function verdict(columns) {
  const shown = columns.filter((c) => !c.missing);
  if (shown.length < 2) return 'Only one model has numbers for this view, so there is nothing to compare yet.';
  const tops = new Set(shown.map((c) => c.top));
  if (tops.size === 1) {
    return `The models agree on the top label: each puts “${shown[0].top}” first (${shown.map((c) =>
      `${c.name} ${percent(c.topProb)}`).join(', ')}).`;
  }
  return `The models disagree: ${shown.map((c) => `${c.name} puts “${c.top}” first (${percent(c.topProb)})`)
    .join('; ')}.`;
}

/** The figure's whole view: columns (one per model, in the snapshot's order), table rows (one per label, a cell per
 *  model), the verdict, and a sentence on the cosines' scales. */
export function modelsView(entries, labels, tau, photos = 0) {
  const columns = entries.map((entry) => column(entry, labels, tau));
  const cellOf = (c, label, i) => (c.missing || c.cells[i].missing ? { model: c.id, missing: true,
    why: c.missing ?? c.cells[i].missing } : { model: c.id, label, missing: false, cosine: c.cells[i].cosine,
    prob: c.cells[i].prob, text: c.cells[i].text, top: c.top === label });
  const rows = labels.map((label, i) => ({ label, cells: columns.map((c) => cellOf(c, label, i)) }));
  const scales = columns.filter((c) => !c.missing).map((c) => `${c.name}: ${c.scale}`);
  return { columns, rows, tau, verdict: verdict(columns), mapsOffer: mapsOffer(columns, photos),
    scales: `The labels’ cosines, lowest to highest, per model: ${scales.join('; ')}. The softmax sees only the `
      + 'differences between them, divided by the temperature, so a model whose cosines spread wider is surer.' };
}

/** The line under one model's occlusion map (figures/models.js): its largest drop, on its own scale. map: why.js's
 *  occlusionView. */
export function mapCaption(name, map) {
  const top = Math.max(...map.cells.map((c) => c.value));
  return top > 0 ? `${name}: hiding one cell lowers the cosine by up to ${fixed(top, 4)} (the reddest cell)`
    : `${name}: no cell lowers the cosine when hidden`;
}

/** The button that draws the occlusion maps side by side: what it downloads, each model's data/occlusion.json
 *  (photos x grid x grid occluded vectors of dim float16 values, base64: 4 characters per 3 bytes). */
export function mapsOffer(columns, photos) {
  const bytes = columns.reduce((sum, c) => sum + (photos * c.grid * c.grid * c.dim * 2 * 4) / 3, 0);
  const size = bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e3)} KB`;
  return `Draw each model’s occlusion map (downloads about ${size}: every photo with each patch cell hidden, `
    + `for ${columns.length === 1 ? 'the model' : `each of the ${columns.length} models`})`;
}
