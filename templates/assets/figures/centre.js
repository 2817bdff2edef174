// "Centre the space": the switch (a view setting, kept in the link as centred=1) and what it changed for the chosen
// photo. The centring itself is the view's (page.js viewOf, state/numbersstate.js centring): every figure that
// reads the view's vectors or similarities gets the centred ones while it is on.
import { $ } from '../ui/dom.js';
import { changed } from '../ui/changed.js';
import { centreReading } from '../rules/centre.js';

const fresh = changed();

/** act.setCentred(on). */
export function init({ act }) {
  $('centre-switch').addEventListener('change', (event) => act.setCentred(event.target.checked));
}

let boxShows = null;  // the state last written to the box: only a change of state is written, so a render of an
                     // older state never undoes a click whose action has not reached the store yet

export function update(view) {
  if (view.centred !== boxShows) $('centre-switch').checked = boxShows = view.centred;
  if (!fresh(`${view.scored}\n${view.tau}`)) return;
  $('centre-reading').textContent = view.centred ? centreReading(view.labels, view.rawSims, view.sims, view.tau)
    : $('centre-reading').dataset.off;
}

export const figure = {
  name: 'centre', near: ['centre'], reads: ['centred', 'labels', 'rawSims', 'scored', 'sims', 'tau'], init, update,
};
