// Recomputes the page's numbers with the page's own clipmath.js, in Node, for every photo, template and
// temperature of a built site. Usage: node recompute_in_node.mjs SITE_DIR  -> JSON on stdout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const site = process.argv[2];
const m = await import(pathToFileURL(join(site, 'assets', 'rules', 'clipmath.js')));
const data = JSON.parse(readFileSync(join(site, 'data', 'embeddings.json'), 'utf8'));
const dim = data.model.dim;
const images = m.rows(m.decodeFloat16(data.vectors.image), dim);
const out = { similarities: [], probabilities: [], entropy: [] };
for (const image of images) {
  const sims = [], probs = [], ents = [];
  for (const template of data.templates) {
    const labels = m.rows(m.decodeFloat16(data.vectors.text[template.id]), dim);
    const s = m.similarities(image, labels);
    sims.push(s);
    const perTau = data.temperatures.map((tau) => m.softmax(s, tau));
    probs.push(perTau);
    ents.push(perTau.map(m.entropy));
  }
  out.similarities.push(sims);
  out.probabilities.push(probs);
  out.entropy.push(ents);
}
process.stdout.write(JSON.stringify(out));
