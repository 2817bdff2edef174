// Runs live mode's pure modules in Node for tests/test_live_*.py: reads one JSON request on stdin,
// writes the answer on stdout. {"clean": texts, "entities": path} -> cleaned texts;
// {"ids": texts, "tokenizer": path, "entities": path, "context_length": n} -> token ids;
// {"preprocess": {"rgb": path of raw RGB bytes, "width", "height"}, "config": manifest.preprocess} -> floats.
import fs from 'node:fs';
import { clean } from '../templates/assets/live/clean.js';
import { clipTokenizer } from '../templates/assets/live/tokenize.js';
import { preprocess } from '../templates/assets/rules/preprocess.js';
import { Tokenizer } from '../node_modules/@huggingface/tokenizers/dist/tokenizers.mjs';

const request = JSON.parse(fs.readFileSync(0, 'utf8'));
const entities = request.entities ? JSON.parse(fs.readFileSync(request.entities, 'utf8')) : {};
let answer;
if (request.clean) {
  answer = request.clean.map((t) => clean(t, entities));
} else if (request.ids) {
  const tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(request.tokenizer, 'utf8')), {});
  const clip = clipTokenizer(tokenizer, entities, request.context_length);
  answer = request.ids.map((t) => clip.ids(t));
} else if (request.preprocess) {
  const { rgb, width, height } = request.preprocess;
  const bytes = new Uint8Array(fs.readFileSync(rgb));
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba.set(bytes.subarray(i * 3, i * 3 + 3), i * 4);
    rgba[i * 4 + 3] = 255;
  }
  const out = preprocess({ data: rgba, width, height }, request.config);
  fs.writeFileSync(request.out, Buffer.from(out.buffer));
  answer = { written: out.length };
}
process.stdout.write(JSON.stringify(answer));
