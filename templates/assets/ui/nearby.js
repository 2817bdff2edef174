// Which parts of the page are near the screen: within MARGIN of the viewport (IntersectionObserver), or
// touched by the reader (a pointer or the keyboard). Figures far below the fold wait here, marked stale
// (data-stale), and are computed and drawn only when they come near, like Astro's client:visible islands.
// A figure is ready before it scrolls in: a phone screen above, and more than two ahead, where a fast flick down
// takes the reader (a Vega chart takes a frame or two to draw: issue 32 saw empty boxes with 600 px ahead)
const MARGIN = '600px 0px 1600px 0px';

const near = new Set();       // elements near the screen now
const placed = new WeakSet(); // elements the observer has reported at least once
const reportListeners = [];  // run after each report of the observer
const wakers = new Map();     // element -> [callback], run when it comes near
const observer = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    placed.add(entry.target);
    if (entry.isIntersecting) near.add(entry.target);
    else near.delete(entry.target);
  }
  // every element's state is known before any callback runs (a figure and its chart come near together)
  for (const entry of entries) if (entry.isIntersecting) wake(entry.target);
  for (const listener of reportListeners) listener();
}, { rootMargin: MARGIN });

function wake(element) {
  for (const callback of [...(wakers.get(element) ?? [])]) callback();  // a copy: firstNear's callbacks leave it
}

/** listener() runs after each report of the observer, once the elements it names are woken. */
export function afterReports(listener) {
  reportListeners.push(listener);
}

/** callback() runs each time element comes near the screen or the reader touches it. */
export function watch(element, callback) {
  if (!wakers.has(element)) {
    wakers.set(element, []);
    observer.observe(element);
    const touched = () => {
      if (near.has(element)) return;
      near.add(element);
      wake(element);
    };
    element.addEventListener('pointerdown', touched);
    element.addEventListener('focusin', touched);
  }
  wakers.get(element).push(callback);
}

export const isNear = (element) => near.has(element);

/** Resolves once one of elements is near the screen (at once if one is already): work done once, for a reader
 * who comes to it. Its callbacks leave the elements' lists when it resolves. */
export function firstNear(elements) {
  if (!elements.length || elements.some(isNear)) return Promise.resolve();
  return new Promise((resolve) => {
    const once = () => {
      for (const element of elements) wakers.get(element).splice(wakers.get(element).indexOf(once), 1);
      resolve();
    };
    for (const element of elements) watch(element, once);
  });
}

/** Whether the observer has said yet if element is near (its first report comes after a layout). */
export const isPlaced = (element) => placed.has(element);

/** update(view) for a figure whose widgets are `elements`: run at once when one of them is near the
 * screen; otherwise keep only the newest view, mark them stale, and run it when one comes near. A figure
 * with no widget on the page is never run. */
export function whenNear(elements, update) {
  let waiting = null;
  const flush = () => {
    if (!waiting) return;
    const view = waiting;
    waiting = null;
    for (const element of elements) delete element.dataset.stale;
    update(view);
  };
  for (const element of elements) watch(element, flush);
  return (view) => {
    if (!elements.length) return;
    waiting = view;
    if (elements.some(isNear)) flush();
    else for (const element of elements) element.dataset.stale = 'true';
  };
}
