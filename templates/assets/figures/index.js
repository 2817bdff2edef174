// The page's figures, written once: page.js starts each one the same way, init({ act, snap, figures }) once, then
// update(view) with every new view while one of its `near` elements is near the screen (none: always). Every
// module exports `figure = { name, near, reads, init, update }` (reads: the view's keys it uses; tests hold
// them); a new figure is its module and one line here (docs/architecture.md, "Adding a figure").
import { figure as attention } from './attention.js';
import { figure as centre } from './centre.js';
import { figure as crowding } from './crowding.js';
import { figure as dot } from './dot.js';
import { figure as gap } from './gap.js';
import { figure as lens } from './lens.js';
import { figure as matrix } from './matrix.js';
import { figure as objective } from './objective.js';
import { figure as overview } from './overview.js';
import { figure as predictions } from './predictions.js';
import { figure as rival } from './rival.js';
import { figure as saliency } from './saliency.js';
import { figure as score } from './score.js';
import { figure as sweep } from './sweep.js';
import { figure as templates } from './templates.js';
import { figure as textAttention } from './text-attention.js';
import { figure as tokens } from './tokens.js';
import { figure as vectors } from './vectors.js';

/** In page order; rival after saliency, whose drawMap and occludedFor it borrows; lens after attention (towersFor). */
export const FIGURES = [predictions, overview, vectors, matrix, templates, tokens, gap, crowding, sweep, saliency, dot,
  rival, attention, lens, textAttention, objective, score, centre];

/** Figures whose code is fetched only when they first come near: near (element ids) and the module. */
export const LATER = [{ name: 'seen', near: ['seen'], load: () => import('./seen.js') },
  { name: 'attack', near: ['attack'], load: () => import('./attack.js') },
  { name: 'models', near: ['models'], load: () => import('./models.js') }];
