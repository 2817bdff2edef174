// The two-label figure's lesson: the split of a margin over the 512 dimensions depends on the axes, and CLIP's axes
// are arbitrary (its loss sees only cosines, which no rotation of the space changes). The basis-free quantity is the
// photo's projection on the direction from the rival's vector to the label's; a random rotation changes every
// per-dimension bar and no cosine. Pure: figures/rival.js draws it, the build writes the first paint.
import { dot } from './clipmath.js';
import { signed } from './sentences.js';


/** A seeded generator of numbers in [0, 1) (mulberry32): the same seed, the same rotation. */
function uniform(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random rotation of dim-dimensional space, as `count` (even: a rotation, not a mirror image) random unit
 *  vectors u, each a mirror v -> v - 2 (u . v) u; each one mixes every coordinate. */
export function randomRotation(seed, dim, count = 4) {
  const next = uniform(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());  // Box-Muller
  return Array.from({ length: count }, () => {
    const u = Array.from({ length: dim }, gauss);
    const norm = Math.sqrt(dot(u, u));
    return u.map((x) => x / norm);
  });
}

/** vector (dim,) rotated by the mirrors of randomRotation: a new Float64Array. */
export function rotate(vector, mirrors) {
  const v = Float64Array.from(vector);
  for (const u of mirrors) {
    const d = 2 * dot(u, v);
    for (let i = 0; i < v.length; i += 1) v[i] -= d * u[i];
  }
  return v;
}

/** The margin without axes: image, text, rivalText (dim,) -> { distance: |text - rival|, projection: the photo's
 *  projection on the unit direction from rival to text, margin: their product, cos(image, text) - cos(image,
 *  rival) }. */
export function marginProjection(image, text, rivalText) {
  const difference = Array.from(text, (t, i) => t - rivalText[i]);
  const distance = Math.sqrt(dot(difference, difference));
  const projection = distance > 0 ? dot(image, difference) / distance : 0;
  return { distance, projection, margin: projection * distance };
}

/** The sentence that gives the margin without any axes, from the vectors (the build's first paint). */
export const projectionWords = (label, rival, image, text, rivalText) => projectionSentence(label, rival,
  marginProjection(image, text, rivalText));

/** The sentence that gives the margin without any axes. */
export const projectionSentence = (label, rival, { distance, projection, margin }) => 'Without any axes, the '
  + `margin is the photo's projection on the direction from “${rival}” to “${label}”, ${signed(projection)}, times `
  + `the distance between the two label vectors, ${distance.toFixed(4)}: ${signed(margin)}. No rotation of the `
  + 'space changes either number.';

/** The sentence under the rotation control: n rotations so far; cosines: { label, rival } in the rotated space. */
export function rotationSentence(n, label, rival, cosines) {
  if (n === 0) {
    return 'The bars use the axes CLIP happened to learn. Rotate the space at random: every bar changes, and no '
      + 'cosine does.';
  }
  return `The space is rotated at random (${n} time${n > 1 ? 's' : ''}): the dimensions and bars above are the `
    + `rotated space's, yet cos(photo, “${label}”) is still ${cosines.label.toFixed(4)} and cos(photo, `
    + `“${rival}”) ${cosines.rival.toFixed(4)}, as in the label table.`;
}
