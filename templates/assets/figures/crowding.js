// Label crowding: near-synonyms of the top label, added one at a time, split its probability although the
// photo has not changed. Until the figures' data is loaded, the build's worked example stays on the page.
import { argmax, dot } from '../clipmath.js';
import { setChart } from '../charts.js';
import { $, cell, percent, rowHeader } from '../dom.js';
import { crowdingRows, crowdingSteps } from '../rows.js';

const cached = { key: null, neighbours: null };  // the near-synonyms of the last top label

/** obj[key] only if obj has that key itself: a label may be called "constructor". */
const own = (obj, key) => (obj && Object.hasOwn(obj, key) ? obj[key] : undefined);

/** [[name, similarity to the current photo]], the label's nearest text vectors first; null if unknown yet. */
function nearSynonyms(view, label) {
  const known = own(own(view.figures.crowding, view.template.id), label);
  if (known) return known.map(([name, sims]) => [name, sims[view.photoIndex]]);
  if (!view.vocabulary) return null;  // an added label: needs every vocabulary vector of this template
  const target = view.vector(label);
  const scored = view.vocabulary.filter((l) => l !== label).map((l) => [l, dot(view.vector(l), target)]);
  scored.sort((a, b) => b[1] - a[1]);
  return scored.slice(0, view.snap.crowding_size).map(([name]) => [name, dot(view.image, view.vector(name))]);
}

export function update(view) {
  if (view.figures.state === 'failed') {
    $('crowding-summary').textContent = 'Could not load the near-synonyms; scroll away and back to try again.';
    return;
  }
  if (!view.figures.crowding) return;
  const label = view.labels[argmax(view.sims)];
  const key = `${view.template.id}\n${label}\n${view.photoIndex}\n${Boolean(view.vocabulary)}`;
  if (key !== cached.key) Object.assign(cached, { key, neighbours: nearSynonyms(view, label) });
  const { neighbours } = cached;
  if (!neighbours) {
    $('crowding-summary').textContent = `Near-synonyms of “${label}” need the vocabulary, which loads when you add a label.`;
    return;
  }
  const steps = crowdingSteps(view.sims, neighbours.filter(([name]) => !view.labels.includes(name)), view.tau);
  $('crowding-summary').textContent = `Adding ${steps.length - 1} near-synonyms of “${label}”, one at a time, takes its probability from ${percent(steps[0].top)} to ${percent(steps[steps.length - 1].top)}, although the photo has not changed.`;
  $('crowding-table').tBodies[0].replaceChildren(...steps.map((step) => {
    const tr = document.createElement('tr');
    tr.dataset.top = String(step.top);
    tr.append(rowHeader(step.added || '(none yet)'), ...[step.top, step.synonyms, step.others].map((v) => cell('td', percent(v), 'num')));
    return tr;
  }));
  setChart('crowding', crowdingRows(label, steps));
}
