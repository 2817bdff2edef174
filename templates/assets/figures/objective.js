// The training objective of one batch: the six photos against their captions (their alt texts, or one of the
// page's labels under the chosen template in a caption's place), at the page's temperature. Every number is
// rules/objective.js's, the first paint's too; the captions' vectors (data/objective.json) are fetched the first
// time the figure comes near, and until they land the build's first paint stays. A further model shown (issue 36):
// its own captions' vectors, the same path under its data root (view.modelRoot); a caption typed in live mode is the
// default model's alone (live mode embeds it), so that model shows the photo's alt text in its place.
import { cell, $, fillSelect, rowHeader } from '../ui/dom.js';
import { changed } from '../ui/changed.js';
import { decodeFloat16, rows } from '../rules/clipmath.js';
import { fillTemplate } from '../rules/sentences.js';
import { objectiveView } from '../rules/objective.js';
import { dataFiles, loaded } from '../ui/datafiles.js';

const fresh = changed();
const batches = dataFiles();  // file path -> { captions: [alt text], vectors: [(dim,)] }
let latest = null;    // the last view, redrawn when the captions land
const redraw = () => latest && update(latest);

/** act.setTemperature(index), act.setCaption(photo id, label | null), act.typeCaption(photo id, text | null);
 * live(then): live mode's module, loaded on first use (page.js). */
export function init({ act, live }) {
  $('objective-tau').addEventListener('input', (event) => act.setTemperature(Number(event.target.value)));
  $('objective-photo').addEventListener('change', () => showChoice(latest));
  $('objective-caption').addEventListener('change', (event) => {
    act.setCaption($('objective-photo').value, event.target.value || null);
  });
  $('objective-live')?.querySelector('button').addEventListener('click', () => live((ui) => ui.start()));
  $('objective-own-photo')?.addEventListener('change', (event) => {
    const [file] = event.target.files;
    if (file) live((ui) => ui.photoChosen(file));
  });
  $('objective-typed')?.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('objective-caption-text').value.replace(/\s+/g, ' ').trim();
    act.typeCaption($('objective-photo').value, text || null);
  });
}

/** The batch of the model on screen (its file under view.modelRoot), or null while it is on its way. */
function load(view) {
  const path = view.modelRoot + $('objective').dataset.file;
  const { dim } = view.snap.model;
  return loaded(batches(path, (data) => ({ path, captions: data.captions,
    vectors: rows(decodeFloat16(data.vectors), dim) }), redraw));
}

/** The caption select says the chosen photo's caption; the typed caption's box, live mode on, says its own. */
function showChoice(view) {
  if (!view) return;
  const select = $('objective-photo');
  for (const own of view.photos.filter((p) => ![...select.options].some((option) => option.value === p.id))) {
    select.append(Object.assign(document.createElement('option'), { value: own.id, textContent: own.title }));
  }
  const photo = select.value;
  const chosen = view.captions.get(photo);
  fillSelect($('objective-caption'), view.labels, chosen && view.labels.includes(chosen) ? chosen : '',
             'its own alt text');
  const form = $('objective-typed');
  if (!form) return;
  form.hidden = view.typed.liveMode !== 'on' || Boolean(view.modelRoot);  // live mode: the default model's
  const typed = view.typed.captions.get(photo);
  const entry = typed === undefined ? null : view.typed.vectors.get(typed);
  $('objective-typed-status').textContent = !entry ? '' : {
    pending: `Embedding “${typed}”…`, ready: `“${typed}” is its caption.`,
    failed: `“${typed}” could not be embedded (${entry.error?.message ?? 'error'}): Use it again to retry.`,
  }[entry.state];
}

/** Photo i's caption: a text the reader typed (live mode, once embedded; as it is, with no template), else a label
 * of the page's that stands in for it (filled into the template), else its alt text. */
function captionOf(view, batch, photo, i) {
  const typed = view.modelRoot ? undefined : view.typed.captions.get(photo.id);  // live mode's: the default's
  const entry = typed === undefined ? null : view.typed.vectors.get(typed);
  if (entry?.state === 'ready') {  // centred like an alt text, under the chosen template's mean text
    return { text: typed, vector: view.centre ? view.centre.text(view.template.id, entry.vector) : entry.vector };
  }
  const label = view.captions.get(photo.id);
  if (label === undefined || !view.labels.includes(label)) {  // centred, under the chosen template's mean text
    const vector = batch.vectors[i];
    return { text: batch.captions[i], vector: view.centre ? view.centre.text(view.template.id, vector) : vector };
  }
  const { template } = view;
  const text = template.ensemble ? `${label} (the ${template.text})` : fillTemplate(template.text, label);
  return { text, vector: view.vector(label) };
}

export function update(view) {
  latest = view;
  const batch = load(view);
  $('objective-tau').value = String(view.tauIndex);
  showChoice(view);
  if (!batch) return;
  // the build's photos, then the reader's own (live mode) once its typed caption is embedded: one more pair
  const built = view.snap.photos.length;
  const photos = view.photos.filter((photo, i) => i < built || view.typed.vectors.get(view.typed.captions
    .get(photo.id))?.state === 'ready');
  const captions = photos.map((photo, i) => captionOf(view, batch, photo, i));
  const key = [batch.path, view.tau, view.scored, photos.map((p) => p.id), ...captions.map((c) => c.text)].join('\n');
  if (!fresh(key)) return;
  const images = photos.map((photo) => view.images[view.photos.indexOf(photo)]);
  const o = objectiveView(images, captions.map((c) => c.vector), view.tau,
                          photos.map((photo) => photo.title), captions.map((c) => c.text));
  draw(o, view.model.shown?.id ?? '');
}

function draw(o, model) {
  const root = $('objective');
  Object.assign(root.dataset, { model, tau: String(o.tau), loss: String(o.loss), lossImage: String(o.lossImage),
                                lossText: String(o.lossText) });
  $('objective-tau-value').textContent = o.shown.tau;
  $('objective-scale').textContent = o.shown.scale;
  $('objective-tau').setAttribute('aria-valuetext', `tau ${o.shown.tau}`);
  $('objective-loss').textContent = o.shown.loss;
  $('objective-loss-image').textContent = o.shown.lossImage;
  $('objective-loss-text').textContent = o.shown.lossText;
  $('objective-reading').textContent = o.sentence;
  const table = $('objective-table');
  if (table.tHead.querySelectorAll('th[data-col]').length !== o.cols.length) sizeTable(table, o.cols.length);
  table.tHead.querySelectorAll('th[data-col]').forEach((th, j) => { th.dataset.caption = o.cols[j].caption; });
  table.tBodies[0].replaceChildren(...o.rows.map((row, i) => {
    const tr = document.createElement('tr');
    tr.dataset.row = String(i);
    tr.append(rowHeader(row.title), ...o.cells[i].map((c, j) => drawCell(c, i, j)),
              cell('td', row.text, 'num row-loss'));
    return tr;
  }));
  table.tFoot.rows[0].querySelectorAll('.col-loss').forEach((td, j) => { td.textContent = o.cols[j].text; });
  $('objective-captions').replaceChildren(...o.cols.map((col, j) => {
    const li = document.createElement('li');
    li.dataset.col = String(j);
    li.append(cell('b', `C${j + 1}`), ` ${col.caption}`);
    return li;
  }));
}

/** The header's and the footer's columns for n captions (the reader's own pair makes one more). */
function sizeTable(table, n) {
  const columns = (make) => Array.from({ length: n }, (_, j) => make(j));
  table.tHead.rows[0].replaceChildren(cell('th', 'photo \\ caption'), ...columns((j) => {
    const th = cell('th', `C${j + 1}`);
    th.scope = 'col';
    th.dataset.col = String(j);
    return th;
  }), cell('th', 'row loss'));
  table.tFoot.rows[0].replaceChildren(rowHeader('column loss'), ...columns(() => cell('td', '', 'num col-loss')),
                                      cell('td', ''));
}

function drawCell(c, i, j) {
  const td = cell('td', '', `num${i === j ? ' diagonal' : ''} ${c.grad < 0 ? 'push-up' : 'push-down'}`);
  Object.assign(td.dataset, { row: String(i), col: String(j), logit: String(c.logit), pRow: String(c.pRow),
                              pCol: String(c.pCol), grad: String(c.grad) });
  td.append(cell('span', c.text.logit, 'logit'), ' ', cell('span', `→${c.text.pRow}`, 'p-row'), ' ',
            cell('span', `↓${c.text.pCol}`, 'p-col'), ' ', cell('span', c.text.grad, 'push'));
  return td;
}

export const figure = {
  name: 'objective', near: ['objective'],
  reads: ['captions', 'centre', 'images', 'labels', 'model', 'modelRoot', 'photos', 'scored', 'snap', 'tau',
          'tauIndex', 'template', 'typed', 'vector'],
  init, update,
};
