// Label crowding: near-synonyms of the top label, added one at a time, split its probability although the
// photo has not changed. The near-synonyms come from the top label's own file (an added label) or from
// figures.json (a default label); until they are here, the build's worked example stays on the page,
// marked as such. A further model shown (issue 36): its own figures.json's near-synonyms (ui/figuresfile.js).
import { argmax } from '../rules/clipmath.js';
import { setChart } from '../ui/charts.js';
import { $, cell, rowHeader } from '../ui/dom.js';
import { figuresOf } from '../ui/figuresfile.js';
import { crowdingRows, crowdingSteps } from '../rules/rows.js';
import { crowdingCells, crowdingSummary } from '../rules/sentences.js';

const cached = { key: null, neighbours: null };  // the near-synonyms of the last top label

/** obj[key] only if obj has that key itself: a label may be called "constructor". */
const own = (obj, key) => (obj && Object.hasOwn(obj, key) ? obj[key] : undefined);

/** [[name, similarity to the current photo]], the label's nearest text vectors first; null if not here yet. */
function nearSynonyms(view, figures, label) {
  const known = own(own(figures.crowding, view.template.id), label) ?? view.neighbours(label);
  return known ? known.map(([name, sims]) => [name, sims[view.photoIndex]]) : null;
}

let example = null;  // the build's sentence, for the first view
// the near-synonyms' vectors are not on the page, only their similarities to the build's six photos
const OWN_PHOTO = 'This figure cannot follow your photo: the build scored the near-synonyms against its own six '
  + 'photos only, and their vectors are not on the page.';

/** The build's worked example, said to be one (it does not follow the reader's changes). */
function showExample(view, reason) {
  const summary = $('crowding-summary');
  example ??= summary.textContent;
  const d = view.snap.default;
  const isDefault = !view.modelRoot && view.photo.id === d.photo && view.template.id === d.template
    && view.tauIndex === d.tau_index && view.labels.join('\n') === d.labels.join('\n');  // the build's: the default's
  summary.dataset.state = isDefault ? 'live' : 'example';
  if (reason === OWN_PHOTO) {
    summary.textContent = `${OWN_PHOTO} The build's worked example, for the first view: ${example}`;
    return;
  }
  const why = reason || 'the near-synonyms load as you scroll near';
  summary.textContent = isDefault && !reason ? example
    : `The build's worked example, for the first view (${why}): ${example}`;
}

let latest = null;
const redraw = () => latest && update(latest);

export function update(view) {
  latest = view;
  const figures = figuresOf(view, redraw);  // the model on screen's near-synonyms
  const label = view.labels[argmax(view.sims)];
  const key = [view.modelRoot, view.template.id, label, view.photoIndex, Boolean(figures.crowding)].join('\n');
  if (key !== cached.key) Object.assign(cached, { key, neighbours: nearSynonyms(view, figures, label) });
  const { neighbours } = cached;
  if (!neighbours || view.photo.own) {  // the build scored the near-synonyms against its own photos only
    showExample(view, view.photo.own ? OWN_PHOTO
      : figures.state === 'failed' ? 'the near-synonyms could not be loaded; scroll away and back to try again'
        : '');
    return;
  }
  Object.assign($('crowding-summary').dataset, { state: 'live', model: view.model.shown?.id ?? '' });
  const steps = crowdingSteps(view.sims, neighbours.filter(([name]) => !view.labels.includes(name)), view.tau);
  $('crowding-summary').textContent = crowdingSummary(label, steps);
  $('crowding-table').tBodies[0].replaceChildren(...crowdingCells(steps).map(([added, ...values], n) => {
    const tr = document.createElement('tr');
    tr.dataset.top = String(steps[n].top);
    tr.append(rowHeader(added), ...values.map((v) => cell('td', v, 'num')));
    return tr;
  }));
  setChart('crowding', crowdingRows(label, steps));
}

export const figure = {
  name: 'crowding', near: ['crowding'],
  reads: ['figures', 'labels', 'model', 'modelRoot', 'neighbours', 'photo', 'photoIndex', 'sims', 'snap', 'tau',
    'tauIndex', 'template'],
  init() {}, update,
};
