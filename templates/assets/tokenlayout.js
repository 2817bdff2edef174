// What the text encoder reads for one label under one template: token ids, each with its part. Pure;
// explainer/tokens.py lays out the same tokens for readers without JavaScript, and tests/rows_in_node.mjs
// checks that the two agree.

/**
 * -> [{ id, kind }], kind 'special' | 'template' | 'label', with ' cut' appended to the tokens beyond the
 * context (they are listed after the end token, which is always kept, as are the start token).
 *   ids: the label's own pieces; parts: { before, after } of the template, or null for the ensemble
 *   (whose templates each wrap the label differently: only the label's pieces are shown);
 *   exception: the stored ids of a (template, label) pair whose pieces merge across the seam, or null;
 *   special: [start, end]; contextLength: the text encoder's positions, start and end included.
 */
export function layoutTokens({ ids, parts, exception, special, contextLength }) {
  if (!parts) return ids.map((id) => ({ id, kind: 'label' }));
  const [start, end] = special;
  const body = exception ? exception.map((id) => ({ id, kind: 'template' })) : [
    ...parts.before.map((id) => ({ id, kind: 'template' })), ...ids.map((id) => ({ id, kind: 'label' })),
    ...parts.after.map((id) => ({ id, kind: 'template' })),
  ];
  const room = contextLength - 2;
  return [{ id: start, kind: 'special' }, ...body.slice(0, room), { id: end, kind: 'special' },
    ...body.slice(room).map((token) => ({ ...token, kind: `${token.kind} cut` }))];
}

/** How many of a layout's tokens the encoder reads, and how many were cut. */
export function countTokens(tokens) {
  const cut = tokens.filter((t) => t.kind.endsWith(' cut')).length;
  return { kept: tokens.length - cut, cut };
}
