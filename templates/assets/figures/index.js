// The page's figures, written once: page.js imports the module of each figure this page holds (ids: its `near`
// elements, the same as the module's; none: every page), then starts each one the same way, init({ act, snap,
// figures }) once, then update(view) with every new view while one of its `near` elements is near the screen.
// A page never fetches the code of another page's figures (the first view's bytes). Every module exports
// `figure = { name, near, reads, init, update }` (reads: the view's keys it uses; tests hold them); a new figure
// is its module and one line here (docs/architecture.md, "Adding a figure"). borrows: a figure whose functions it
// uses (lens: attention's towersFor), loaded with it.

/** In page order; a borrowed figure before the one that borrows it. */
export const FIGURES = [
  { name: 'predictions', ids: [], load: () => import('./predictions.js') },
  { name: 'overview', ids: ['overview'], load: () => import('./overview.js') },
  { name: 'vectors', ids: ['image-vector-figure', 'text-vector-figure'], load: () => import('./vectors.js') },
  { name: 'matrix', ids: ['matrix'], load: () => import('./matrix.js') },
  { name: 'templates', ids: ['templates'], load: () => import('./templates.js') },
  { name: 'tokens', ids: ['tokens'], load: () => import('./tokens.js') },
  { name: 'gap', ids: ['gap'], load: () => import('./gap.js') },
  { name: 'crowding', ids: ['crowding'], load: () => import('./crowding.js') },
  { name: 'sweep', ids: ['sweep'], load: () => import('./sweep.js') },
  { name: 'saliency', ids: ['saliency'], load: () => import('./saliency.js') },
  { name: 'dot', ids: ['dot'], load: () => import('./dot.js') },
  { name: 'rival', ids: ['rival'], load: () => import('./rival.js') },
  { name: 'attention', ids: ['attention'], load: () => import('./attention.js') },
  { name: 'lens', ids: ['lens'], borrows: 'attention', load: () => import('./lens.js') },
  { name: 'text-attention', ids: ['text-attention'], load: () => import('./text-attention.js') },
  { name: 'objective', ids: ['objective'], load: () => import('./objective.js') },
  { name: 'score', ids: ['score'], load: () => import('./score.js') },
  { name: 'centre', ids: ['centre'], load: () => import('./centre.js') },
];

/** The figures this page holds (present(ids): one of them is on the page), imported: figures, name -> figure (with
 *  those they borrow); placed, this page's in page order. */
export async function figuresHere(present) {
  const here = FIGURES.filter(({ ids }) => !ids.length || present(ids));
  const wanted = FIGURES.filter(({ name }) => here.some((entry) => entry.name === name || entry.borrows === name));
  const figures = Object.fromEntries(await Promise.all(wanted.map((entry) => entry.load()
    .then(({ figure }) => [entry.name, figure]))));
  return { figures, placed: here.map(({ name }) => figures[name]) };
}

/** Figures whose code is fetched only when they first come near: near (element ids) and the module. */
export const LATER = [{ name: 'seen', near: ['seen'], load: () => import('./seen.js') },
  { name: 'attack', near: ['attack'], load: () => import('./attack.js') },
  { name: 'models', near: ['models'], load: () => import('./models.js') }];
