// In-page links keep the reader's view. The build writes every in-page link as a plain anchor (#figure-3,
// #softmax, #ref-radford2021, #fn-..., the overview's boxes), which works without JavaScript; here a click on one
// scrolls to its place and writes the address as view + place (urlstate.js: ...&at=figure-3) instead of
// letting the browser replace the view's address with the bare anchor. A link about to be opened elsewhere (a new
// tab, "copy link") gets the same address. A link with data-add-labels ("kitten|tabby cat", content's
// {: data-add-labels=... }) also adds those labels to the reader's labels before it goes.
// A link to another page of the site (the core article, a deep-dive page: `vectors.html#figure-12`, written so by the
// build) carries the view the same way, as that page's address: vectors.html#photo=coffee&...&at=figure-12. An
// address whose place lives on another page (an old index.html#figure-13 once Figure 13 moved) is forwarded there.
import { MAX_LABEL_LENGTH } from '../ui/snapshot.js';
import { actions, cleanLabel, reservedLabel } from './store.js';
import { placeOf } from './urlstate.js';

// what this tab carries from page to page besides the address (sessionStorage: this tab's and this origin's alone)
export const TAB_KEYS = {
  live: 'clip-explainer-live',               // live mode was on in this tab: a page with live labels starts it
  ownPhotos: 'clip-explainer-own-photos',    // the reader's own photos (live/ownkept.js)
};

/** Live mode turned on in this tab stays on across its pages: a page opened with live texts among its labels starts
 * it (page.js; its files are cached by then). Said as it turns on, so a reader who then forgets the files is not sent
 * to fetch them again (forgetLiveInTab); a link opened in another tab leaves them waiting, as before. */
export function keepLiveInTab(store) {
  let was = store.getState().liveMode;
  store.subscribe(({ liveMode }) => {
    if (liveMode === 'on' && was !== 'on') sessionStorage.setItem(TAB_KEYS.live, '1');
    was = liveMode;
  });
}

export const forgetLiveInTab = () => sessionStorage.removeItem(TAB_KEYS.live);

/** The in-page link an event is about, with the element it names; null for any other link. */
function linkOf(event) {
  const link = event.target instanceof Element ? event.target.closest('a[href^="#"]') : null;
  const place = link && placeOf(link.getAttribute('href'));
  const target = place && document.getElementById(place);
  return target ? { link, place, target } : null;
}

// a page of this site, as the build writes its links: its file name and, after '#', the place
const PAGE_LINK = /^([a-z][a-z0-9-]*\.html)(?:#(.*))?$/;

/** The link to another page of the site an event is about, with its file and place; null for any other link. */
function pageLinkOf(event) {
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  const href = link && (link.dataset.page ?? link.getAttribute('href'));
  const found = href && PAGE_LINK.exec(href);
  if (!found) return null;
  link.dataset.page = href;  // the build's address, kept: the view is written from it each time
  return { link, file: found[1], place: found[2] ? placeOf(found[2]) : null };
}

/** The labels an author's link adds (data-add-labels="kitten|tabby cat"), cleaned and checked as a link's are. */
function addsOf(link) {
  const adds = link.dataset?.addLabels;
  return (adds ? adds.split('|') : []).map((raw) => cleanLabel(raw).normalize('NFC'))
    .filter((label) => label && !reservedLabel(label) && label.length <= MAX_LABEL_LENGTH);
}

/** The page of the site that holds an element id (the build's <script id="page-ids">), when this one does not. */
function pageOf(place) {
  if (!place || document.getElementById(place)) return null;
  try {
    return JSON.parse(document.getElementById('page-ids')?.textContent || '{}')[place] ?? null;
  } catch {
    return null;
  }
}

/** An address whose place is on another page of the site goes there, its view and place kept; true if it does. */
export function forwardElsewhere() {
  const file = pageOf(placeOf(window.location.hash));
  if (file) window.location.replace(`${file}${window.location.hash}`);
  return Boolean(file);
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
  const addLabel = (label) => store.dispatch(actions.addLabel(label));
  // before a link is opened in a new tab or copied, its address becomes the view's at its place
  const carry = (event) => {
    const found = linkOf(event);
    if (found) found.link.setAttribute('href', history.addressAt(found.place));
    const across = !found && pageLinkOf(event);
    if (across) across.link.setAttribute('href', `${across.file}${history.addressAt(across.place)}`);
  };
  for (const type of ['pointerdown', 'focusin', 'contextmenu']) document.addEventListener(type, carry, true);

  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey
      || event.altKey) return;  // a new tab or window: the browser opens the address carry() wrote
    const found = linkOf(event);
    const across = !found && pageLinkOf(event);
    if (across) {  // the browser follows it, to the address written now: the view with the link's labels added
      for (const label of addsOf(across.link)) addLabel(label);
      across.link.setAttribute('href', `${across.file}${history.addressAt(across.place)}`);
      return;
    }
    if (!found) return;
    event.preventDefault();
    for (const label of addsOf(found.link)) addLabel(label);
    history.goTo(found.place);
    showPlace(found.place);
    // from the keyboard (Enter: no pointer, detail 0), the next Tab goes on from the place, as a followed anchor's
    if (event.detail === 0) {
      if (!found.target.hasAttribute('tabindex')) found.target.setAttribute('tabindex', '-1');
      found.target.focus({ preventScroll: true });
    }
  });
}
