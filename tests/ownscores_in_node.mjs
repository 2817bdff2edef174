// The own photo's scores rule (templates/assets/rules/scores.js ownScores, then scoreView) run in Node on a built
// site's stored files, for tests/test_own_scores.py to compare with numpy:
//   node tests/ownscores_in_node.mjs SITE TEMPLATE INPUT.json
// INPUT: { image: (dim,), mean: (dim,) or null, labels: [str], cosines: [float] } -> stdout: { sorted, baseline,
// percentiles } (sorted: the vocabulary's cosines on the 1e-4 grid, ascending).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFloat16 } from '../templates/assets/rules/clipmath.js';
import { ownScores, scoreView } from '../templates/assets/rules/scores.js';

const [site, template, input] = process.argv.slice(2);
const folder = join(site, 'data', 'vocab-vectors');
const header = JSON.parse(readFileSync(join(folder, `${template}.json`), 'utf8'));
const file = readFileSync(join(folder, `${template}.bin`));
const bytes = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
const vectors = { scales: new Float32Array(bytes, 0, header.count),
                  values: new Int8Array(bytes, 4 * header.count, header.count * header.dim) };
const { image, mean, labels, cosines } = JSON.parse(readFileSync(input, 'utf8'));
const scores = ownScores(vectors, Float32Array.from(image), decodeFloat16(header.baseline),
                         mean && Float64Array.from(mean));
const view = scoreView({ ...scores, baseline_text: header.baseline_text }, labels, cosines);
process.stdout.write(JSON.stringify({ sorted: Array.from(scores.sorted), baseline: scores.baseline,
                                      percentiles: view.rows.map((row) => row.percentile) }));
