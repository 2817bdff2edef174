// CLIP's tokenizer in the browser: clean() (as CLIP's own tokenizer cleans text), then BPE with
// @huggingface/tokenizers over the checkpoint's tokenizer.json, cut to the context length the way the
// build cuts it (start token, the first context_length - 2 pieces, end token). Pure: the Tokenizer
// instance comes in, so Node tests and the worker share this module.
import { clean } from './clean.js';

/** tokenizer: a @huggingface/tokenizers Tokenizer; entities: site/live/entities.json. */
export function clipTokenizer(tokenizer, entities, contextLength) {
  /** text -> [start, ...pieces, end], however long (the tokens figure shows what does not fit as cut). */
  const full = (text) => tokenizer.encode(clean(text, entities)).ids;

  /** text -> the ids the text tower reads: start, the first context_length - 2 pieces, end. */
  function ids(text) {
    const all = full(text);
    return all.length <= contextLength ? all : [...all.slice(0, contextLength - 1), all[all.length - 1]];
  }

  /** An id's piece as the build shows it (tokenizers' id_to_token): the vocabulary's byte-level text,
   * with '</w>' at a word's end. */
  const piece = (id) => tokenizer.id_to_token(id);

  /** texts -> the text tower's inputs: int64 ids and mask, (n, width) row-major, padded with the end
   * token to the longest text (as the build pads each batch). */
  function batch(texts) {
    const rows = texts.map(ids);
    const width = Math.max(...rows.map((r) => r.length));
    const inputIds = new BigInt64Array(rows.length * width);
    const mask = new BigInt64Array(rows.length * width);
    rows.forEach((row, i) => {
      const pad = row[row.length - 1];
      for (let j = 0; j < width; j++) {
        inputIds[i * width + j] = BigInt(j < row.length ? row[j] : pad);
        mask[i * width + j] = j < row.length ? 1n : 0n;
      }
    });
    return { inputIds, mask, dims: [rows.length, width], rows };
  }

  return { full, ids, piece, batch };
}
