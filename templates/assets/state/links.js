// In-page links keep the reader's view. The build writes every in-page link as a plain anchor (#figure-3,
// #softmax, #ref-radford2021, #fn-..., the overview's boxes), which works without JavaScript; here a click on one
// scrolls to its place and writes the address as view + place (urlstate.js: ...&at=figure-3) instead of
// letting the browser replace the view's address with the bare anchor. A link about to be opened elsewhere (a new
// tab, "copy link") gets the same address. A link with data-add-labels ("kitten|tabby cat", content's
// {: data-add-labels=... }) also adds those labels to the reader's labels before it goes.
import { MAX_LABEL_LENGTH } from '../ui/snapshot.js';
import { actions, cleanLabel, reservedLabel } from './store.js';
import { placeOf } from './urlstate.js';

/** The in-page link an event is about, with the element it names; null for any other link. */
function linkOf(event) {
  const link = event.target instanceof Element ? event.target.closest('a[href^="#"]') : null;
  const place = link && placeOf(link.getAttribute('href'));
  const target = place && document.getElementById(place);
  return target ? { link, place, target } : null;
}

let marked = null;  // the element last gone to: styled as :target is (a pushed entry does not move :target)

/** Scroll to the element with this id (the reader's place) and mark it; false if there is none. */
export function showPlace(place) {
  const target = place && document.getElementById(place);
  if (!target) return false;
  target.scrollIntoView();  // lands below the sticky bar: style.css's scroll-padding-top
  if (marked) delete marked.dataset.place;
  target.dataset.place = 'true';
  marked = target;
  return true;
}

/** history: history.js's { goTo(place), addressAt(place) }; store: the page's (a link's labels are added by its
 * addLabel action; the label editor's status line says so). */
export function initLinks(history, store) {
  // before a link is opened in a new tab or copied, its address becomes the view's at its place
  const carry = (event) => {
    const found = linkOf(event);
    if (found) found.link.setAttribute('href', history.addressAt(found.place));
  };
  for (const type of ['pointerdown', 'focusin', 'contextmenu']) document.addEventListener(type, carry, true);

  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey
      || event.altKey) return;  // a new tab or window: the browser opens the address carry() wrote
    const found = linkOf(event);
    if (!found) return;
    event.preventDefault();
    const adds = found.link.dataset?.addLabels;
    for (const raw of adds ? adds.split('|') : []) {  // an author's labels, cleaned and checked as a link's are
      const label = cleanLabel(raw).normalize('NFC');
      if (label && !reservedLabel(label) && label.length <= MAX_LABEL_LENGTH) {
        store.dispatch(actions.addLabel(label));
      }
    }
    history.goTo(found.place);
    showPlace(found.place);
    // from the keyboard (Enter: no pointer, detail 0), the next Tab goes on from the place, as a followed anchor's
    if (event.detail === 0) {
      if (!found.target.hasAttribute('tabindex')) found.target.setAttribute('tabindex', '-1');
      found.target.focus({ preventScroll: true });
    }
  });
}
