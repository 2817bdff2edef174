// Finding labels in the vocabulary: type-ahead ranking and "did you mean" spellings. Pure functions.
import { MAX_LABEL_LENGTH } from '../ui/snapshot.js';

/** Up to `count` labels for a query: those starting with it first, then those containing it. */
export function suggest(labels, query, count = 8, exclude = new Set()) {
  const q = query.replace(/\s+/g, ' ').trim().toLowerCase();
  if (!q) return [];
  const prefix = [];
  const inside = [];
  for (const label of labels) {
    const lower = label.toLowerCase();
    if (exclude.has(label)) continue;
    if (lower.startsWith(q)) prefix.push(label);
    else if (lower.includes(q)) inside.push(label);
  }
  const byLength = (a, b) => a.length - b.length || a.localeCompare(b);
  return [...prefix.sort(byLength), ...inside.sort(byLength)].slice(0, count);
}

/** The `count` labels nearest in spelling (Levenshtein distance), for a label that is not in the list. */
export function closest(labels, text, count = 3) {
  const query = text.toLowerCase().slice(0, MAX_LABEL_LENGTH);
  return labels
    .map((label) => [editDistance(query, label.toLowerCase()), label])
    .sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]))
    .slice(0, count)
    .map(([, label]) => label);
}

export function editDistance(a, b) {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
