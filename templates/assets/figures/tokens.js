// Tokens: what the text encoder reads for each charted label under the chosen template, piece by piece,
// with the tokens beyond the context marked as cut.
import { changed } from '../ui/changed.js';
import { $, cell } from '../ui/dom.js';
import { tokenNote } from '../rules/sentences.js';

const fresh = changed();

export function update(view) {
  if (!fresh(view.scored)) return;  // a scored label's ids are here: the snapshot's or its file's
  const contextLength = view.snap.tokens.context_length;
  $('token-rows').replaceChildren(...view.rows.map(({ label }) => {
    const tokens = view.tokens.layout(label) ?? [];
    const [reads, cutNote] = tokenNote(tokens, contextLength, view.snap.ensemble_size, view.template.ensemble);
    const line = document.createElement('div');
    line.className = 'token-line';
    line.dataset.label = label;
    const head = document.createElement('p');
    head.className = 'token-label';
    head.append(cell('strong', label));
    head.append(reads);
    if (cutNote) head.append(' ', cell('span', cutNote, 'token-cut-note'));
    const list = document.createElement('ol');
    list.className = 'tokens';
    list.append(...tokens.map((token) => {
      const li = document.createElement('li');
      li.className = `token ${token.kind}`;
      li.dataset.id = String(token.id);
      li.append(cell('span', view.tokens.piece(token.id), 'piece'), ' ', cell('span', String(token.id), 'id'));
      return li;
    }));
    line.append(head, list);
    return line;
  }));
}

export const figure = {
  name: 'tokens', near: ['tokens'],
  reads: ['rows', 'scored', 'snap', 'template', 'tokens'],
  init() {}, update,
};
