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

export function update(view) {
  $('centre-switch').checked = view.centred;
  if (!fresh(`${view.scored}\n${view.tau}`)) return;
  $('centre-reading').textContent = view.centred ? centreReading(view.labels, view.rawSims, view.sims, view.tau)
    : $('centre-reading').dataset.off;
}

export const figure = {
  name: 'centre', near: ['centre'], reads: ['centred', 'labels', 'rawSims', 'scored', 'sims', 'tau'], init, update,
};
