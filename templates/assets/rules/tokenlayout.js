// The tokens the text encoder reads for a label under a template. Pure: the page lays out its tokens figure
// with it, and the build (explainer/views.py) the figure's first paint.

/** -> [{ id, kind }], kind 'special', 'template' or 'label'; tokens past the context get ' cut' and follow
 *  the end token (start and end are always kept). parts: null for the ensemble (label pieces only);
 *  exception: a pair's stored ids where label and template merge, or null. */
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

/** Tokens read and tokens cut. */
export function countTokens(tokens) {
  const cut = tokens.filter((t) => t.kind.endsWith(' cut')).length;
  return { kept: tokens.length - cut, cut };
}
