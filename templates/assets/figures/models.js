// "Models compared" (rules/models.js modelsView): every model the site carries, side by side. The default model's
// cosines are the view's (as trained: the centring is the default model's own view); a further model's come from
// its own vectors, models/<id>/data/model.json and, for a label that is not a default one, its label file there.
// Both are fetched only when this figure comes near (update runs only then), never with the first view. Below the
// tables, each model's occlusion map side by side, drawn when the reader asks (their vectors weigh 0.4-3 MB a model).
import { $, cell, rowHeader } from '../ui/dom.js';
import { changed } from '../ui/changed.js';
import { labelHash } from '../ui/labelhash.js';
import { decodeFloat16, rows } from '../rules/clipmath.js';
import { mapCaption, modelsView } from '../rules/models.js';
import { occlusionView } from '../rules/why.js';
import { dataFiles, loaded } from '../ui/datafiles.js';
import { drawMap, occludedFor } from '../ui/occlusionmaps.js';

const fresh = changed();
const files = dataFiles();  // url -> its parsed record (model.json, a label file, a vocabulary's names)
let latest = null;
const redraw = () => latest && update(latest);

let mapsWanted = false;  // the maps' vectors are fetched only once the reader asks (models-maps-draw)

function init() {
  $('models-maps-draw').addEventListener('click', () => {
    mapsWanted = true;
    $('models-maps-draw').hidden = true;
    $('models-maps').dataset.maps = 'drawn';
    redraw();
  });
}

/** A further model's vectors for the view: { image, texts } or { missing: why }, fetching what it lacks. */
function vectorsOf(entry, view) {
  const file = files(entry.file, (record) => ({ record, image: rows(decodeFloat16(record.vectors.image),
    entry.dim) }), redraw);
  if (file.state === 'failed') return { missing: `${entry.name}’s file could not be loaded` };
  const own = loaded(file);
  if (!own) return { missing: 'loading…' };
  const p = view.snap.photos.findIndex((photo) => photo.id === view.photo.id);
  if (p < 0) return { missing: `only the default model embeds your own photo (live mode); ${entry.name} cannot` };
  const t = view.snap.templates.findIndex((template) => template.id === view.template.id);
  const defaults = view.snap.default.labels;
  const inline = rows(decodeFloat16(own.record.vectors.text[view.template.id]), entry.dim);  // (L_default, dim)
  const texts = [];
  const absent = new Map();  // label -> why this model has no vector for it (rules/models.js column)
  for (const label of view.labels) {
    const i = defaults.indexOf(label);
    const vectors = i >= 0 ? null : labelVectors(entry, own.record, label, view.snap.vocabulary.count);
    if (i >= 0) texts.push(inline[i]);
    else if (!vectors) return { missing: 'loading…' };
    else if (typeof vectors === 'string') absent.set(label, vectors);
    else texts.push(vectors[t]);
  }
  return { image: own.image[p], texts, absent };
}

const hashes = new Map();  // label -> its file's hash, or the promise of it

/** A vocabulary label's vectors (T, dim) in a further model's label file; null while on its way; a string, why it
 * has none: a label outside its shorter vocabulary (settings.yaml's `vocabulary: N`: its count below the default's,
 * its own names looked up, never a 404 asked for), or a file that is not there (a live label). */
function labelVectors(entry, record, label, defaultCount) {
  if (entry.vocabulary < defaultCount) {
    const names = files(entry.root + record.vocabulary.names, (list) => new Set(list), redraw);
    if (names.state === 'failed') return `${entry.name}’s vocabulary could not be loaded`;
    if (!loaded(names)) return null;
    if (!names.value.has(label)) return `not in ${entry.name}’s vocabulary`;
  }
  if (!hashes.has(label)) {
    hashes.set(label, labelHash(label).then((hash) => {
      hashes.set(label, hash);
      redraw();
    }));
  }
  const hash = hashes.get(label);
  if (hash instanceof Promise) return null;
  const url = entry.root + record.vocabulary.label_file.replace('{hash}', hash);
  const found = files(url, (file) => rows(decodeFloat16(file.vectors), entry.dim), redraw);
  if (found.state === 'failed') return `${entry.name} has no vector for “${label}” (a live label?)`;
  return loaded(found);
}

export function update(view) {
  latest = view;
  const entries = (view.snap.models ?? []).map((entry, i) => (i === 0
    ? { ...entry, cosines: view.rawSims ?? view.sims } : { ...entry, ...vectorsOf(entry, view) }));
  const maps = mapsOf(view, entries);
  const key = entries.map((e, i) => `${e.id}:${e.missing ?? (e.cosines ? 'view' : 'ready')}:${[...e.absent?.keys()
    ?? []].join('|')}:${maps[i].missing ?? 'map'}`).join(',');
  if (!fresh(`${view.scored}\n${view.tau}\n${view.why.label}\n${key}`)) return;
  draw(view, modelsView(entries, view.labels, view.tau, view.snap.photos.length));
  drawMaps(view, maps);
}

/** Each model's occlusion map for the "why" label (the top label unless the reader chose another), from its own
 *  occluded vectors (data/occlusion.json under its data root) on its own grid; { missing: why } while it cannot. */
function mapsOf(view, entries) {
  const label = view.why.label;
  const i = view.labels.indexOf(label);
  const builtIn = view.snap.photos.some((p) => p.id === view.photo.id);
  return entries.map((entry, k) => {
    if (!builtIn) return { missing: 'the maps compare the built-in photos (yours is in “Where in the photo”)' };
    if (!mapsWanted) return { missing: 'drawn when you ask (the button above)' };
    if (view.centred) return { missing: 'the maps compare the models as trained: switch “centre the space” off' };
    if (entry.missing || i < 0 || entry.absent?.has(label)) {
      return { missing: entry.missing ?? entry.absent?.get(label) ?? 'loading…' };
    }
    const snap = { occlusion: view.snap.occlusion, model: { dim: entry.dim } };  // the file's path under its root
    const occluded = occludedFor(snap, view.photo.id, redraw, entry.root ?? '');
    if (!occluded) return { missing: 'loading…' };
    const image = k === 0 ? view.image : entry.image;          // (dim,)
    const kept = view.labels.filter((l) => !entry.absent?.has(l));  // entry.texts' labels (a shorter vocabulary)
    const text = k === 0 ? view.vector(label) : entry.texts[kept.indexOf(label)];  // (dim,)
    return { map: occlusionView(image, occluded, entry.grid, text, null, label, null) };
  });
}

function drawMaps(view, maps) {
  const part = $('models-maps');
  part.dataset.label = view.why.label;
  part.dataset.photo = view.photo.id;
  $('models-maps-label').textContent = view.why.label;
  const figures = part.querySelectorAll('.models-map');
  maps.forEach(({ map, missing }, k) => {
    const figure = figures[k];
    const entry = view.snap.models[k];
    figure.dataset.state = map ? 'ready' : 'loading';
    figure.querySelector('img').src = `${entry.root ?? ''}seen/${view.photo.id}-input.png`;
    figure.querySelector('.models-map-caption').textContent = map ? mapCaption(entry.name, map)
      : `${entry.name}: ${missing}`;
    if (map) drawMap(figure, map);
  });
}

function draw(view, m) {
  const root = $('models');
  Object.assign(root.dataset, { photo: view.photo.id, template: view.template.id, tau: String(view.tau) });
  $('models-verdict').textContent = m.verdict;
  $('models-scales').textContent = m.scales;
  $('models-maps-draw').textContent = m.mapsOffer;
  $('models-table').tBodies[0].replaceChildren(...m.rows.map((row) => {
    const tr = document.createElement('tr');
    tr.dataset.label = row.label;
    tr.append(rowHeader(row.label), ...row.cells.map((c) => {
      const td = cell('td', c.missing ? c.why : `${c.text.prob} (${c.text.cosine})`, 'num');
      Object.assign(td.dataset, { model: c.model, label: row.label }, c.missing ? { missing: 'true' }
        : { prob: String(c.prob), cosine: String(c.cosine) });
      td.classList.toggle('top', Boolean(c.top));
      return td;
    }));
    return tr;
  }));
}

export const figure = {
  name: 'models', near: ['models'],
  reads: ['centred', 'image', 'labels', 'photo', 'rawSims', 'scored', 'sims', 'snap', 'tau', 'template', 'vector',
    'why'],
  init, update,
};
