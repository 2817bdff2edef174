// The overview figure (templates/widgets/_overview.html): the build drew both layouts for the default view from
// overview.js; update(view) writes the same function's texts and colours for the reader's view into them, and
// init() marks the node whose step is being read (aria-current="step") as the reader scrolls.
import { overviewFigure } from '../rules/overview.js';

const svgs = () => [...document.querySelectorAll('[data-testid=overview-figure] svg[data-layout]')];

/** What overview.js draws, from the page's view: the top label's way through the pipeline. */
function overviewInput(view) {
  const label = view.labels[view.top];
  return {
    photo: { title: view.photo.title, thumb: view.photo.thumb ?? null }, sizes: view.snap.model, label,
    count: view.labels.length, template: view.template, ensembleSize: view.snap.ensemble_size,
    tokens: view.tokens.layout(label), image: view.image, text: view.vector(label), cosine: view.sims[view.top],
    tau: view.tau, probability: view.probs[view.top],
  };
}

// writes only what differs: at load the view is the build's, so the first paint stays untouched (no style work)
const setText = (element, text) => { if (element.textContent !== text) element.textContent = text; };
const setAttribute = (element, name, value) => {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
};

/** The reader's view drawn into both layouts (the figure is marked data-view="live" once it is). */
export function update(view) {
  const input = overviewInput(view);
  for (const svg of svgs()) {
    const figure = overviewFigure(input, svg.dataset.layout === 'narrow');
    setText(svg.querySelector('desc'), figure.desc);
    for (const node of figure.nodes) {
      const link = svg.querySelector(`[data-node="${node.id}"]`);
      if (!link) continue;
      setText(link.querySelector('title'), node.label);  // its name and tooltip: the whole value
      link.querySelectorAll('.overview-value').forEach((text, i) => setText(text, node.lines[i]?.text ?? ''));
      const image = link.querySelector('image');
      if (image) {  // the reader's own photo has no file to show: its title says whose it is
        if (node.image.href) setAttribute(image, 'href', node.image.href);
        setAttribute(image, 'visibility', node.image.href ? 'visible' : 'hidden');
      }
      link.querySelectorAll('.overview-strip').forEach((path, i) => setAttribute(path, 'd', node.strip[i].d));
    }
  }
  document.querySelector('[data-testid=overview-figure]').dataset.view = 'live';
}

/** The step being read: the innermost of the nodes' targets (figures inside sections) crossing a band a third of
 *  the way down the window; none above the first step. */
export function init() {
  const links = svgs().flatMap((svg) => [...svg.querySelectorAll('a[data-node]')]);
  const targets = new Map();  // element -> its links (one per layout)
  for (const link of links) {
    const target = document.getElementById(link.getAttribute('href')?.slice(1) ?? '');
    if (target) targets.set(target, [...(targets.get(target) ?? []), link]);
  }
  const crossing = new Set();
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) crossing.add(entry.target);
      else crossing.delete(entry.target);
    }
    const inner = [...crossing].filter((element) => ![...crossing].some((other) => other !== element
      && element.contains(other)));
    const current = inner.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1))[0];
    for (const link of links) {
      if (targets.get(current)?.includes(link)) link.setAttribute('aria-current', 'step');
      else link.removeAttribute('aria-current');
    }
  }, { rootMargin: '-35% 0px -60% 0px' });
  for (const target of targets.keys()) observer.observe(target);
}

export const figure = {
  name: 'overview', near: ['overview'],
  reads: ['image', 'labels', 'photo', 'probs', 'sims', 'snap', 'tau', 'template', 'tokens', 'top', 'vector'],
  init, update,
};
