// Live mode's downloads, in the worker: each file read from this browser's Cache Storage when a previous
// visit left it there (live/filecache.js: checked again, a damaged entry is fetched anew), else fetched with
// byte progress and an abort signal, checked against the sha256 the manifest gives for it (crypto.subtle)
// and remembered. A missing, truncated or altered file is an error that names it; nothing is used before
// it has been checked.
import { readCached, remember, sha256Hex } from './filecache.js';

export class LiveError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;  // 'missing', 'corrupt', 'cancelled', 'network', 'memory', 'unsupported', 'image'
  }
}

/** url -> Uint8Array, reporting (bytes so far) through onBytes; rejects with LiveError. */
export async function fetchBytes(url, signal, onBytes) {
  let response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    throw signal.aborted ? new LiveError('cancelled', 'Download cancelled.')
      : new LiveError('network', `Could not download ${fileName(url)}: ${error.message}`);
  }
  if (!response.ok) {
    throw new LiveError(response.status === 404 ? 'missing' : 'network',
      `Could not download ${fileName(url)}: HTTP ${response.status}`
      + `${response.status === 404 ? ' (the file is missing)' : ''}.`);
  }
  const chunks = [];
  let received = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.length;
      onBytes(received);
    }
  } catch (error) {
    throw signal.aborted ? new LiveError('cancelled', 'Download cancelled.')
      : new LiveError('network', `Download of ${fileName(url)} failed: ${error.message}`);
  }
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** Throws LiveError('corrupt') unless bytes hash to the manifest's sha256 (hex). */
export async function verify(bytes, entry) {
  const hex = await sha256Hex(bytes);
  if (hex !== entry.sha256) {
    throw new LiveError('corrupt', `${entry.file} is corrupt: its sha256 is ${hex.slice(0, 12)}…, the manifest `
      + `says ${entry.sha256.slice(0, 12)}… (${bytes.length.toLocaleString('en')} of `
      + `${entry.bytes.toLocaleString('en')} bytes). Rebuild the site or reload the page.`);
  }
  return bytes;
}

/** Reads entries [{file, url, bytes, sha256}] from the cache, and downloads the others one after another,
 * with one progress total over the downloads: onProgress({loaded, total, file}). Returns {files: {file:
 * Uint8Array}, cached: bytes read from the cache, downloaded: bytes fetched, damaged: cached files refetched,
 * remembered: a promise of the downloads' Cache Storage writes (they go on while the towers start, and after),
 * ms: {cache, fetch, verify} spent reading the cache, downloading and hashing}. Each download's steps are
 * performance measures in the worker ('live-fetch FILE', 'live-sha256 FILE', 'live-cache-write FILE'), for
 * bench/live_reader.py's timeline of the first own photo. The hash cannot overlap the session's start: Chromium's
 * crypto.subtle.digest hashes on the calling thread (a 90 MB digest returns when it is done, measured). */
export async function downloadAll(entries, signal, onProgress) {
  const files = {};
  let cached = 0;
  let damaged = 0;
  const ms = { cache: 0, fetch: 0, verify: 0 };
  const since = (t) => performance.now() - t;
  const missing = [];
  let t = performance.now();
  for (const entry of entries) {
    const hit = await readCached(entry);
    if (hit?.bytes) {
      files[entry.file] = hit.bytes;
      cached += entry.bytes;
    } else {
      damaged += hit?.damaged ? 1 : 0;
      missing.push(entry);
    }
  }
  ms.cache = since(t);
  const total = missing.reduce((sum, e) => sum + e.bytes, 0);
  let before = 0;
  const writes = [];
  for (const entry of missing) {
    onProgress({ loaded: before, total, file: entry.file });
    const onBytes = (n) => onProgress({ loaded: before + n, total, file: entry.file });
    t = performance.now();
    const bytes = await fetchBytes(entry.url, signal, onBytes);
    ms.fetch += performance.measure(`live-fetch ${entry.file}`, { start: t }).duration;
    t = performance.now();
    files[entry.file] = await verify(bytes, entry);
    ms.verify += performance.measure(`live-sha256 ${entry.file}`, { start: t }).duration;
    writes.push(rememberMeasured(entry, files[entry.file]));  // never rejects (a refusal: no cache next time)
    before += entry.bytes;
  }
  onProgress({ loaded: total, total, file: null });
  return { files, cached, downloaded: total, damaged, remembered: Promise.all(writes), ms };
}

/** filecache.js remember, measured ('live-cache-write FILE'). */
async function rememberMeasured(entry, bytes) {
  const t = performance.now();
  await remember(entry, bytes);
  performance.measure(`live-cache-write ${entry.file}`, { start: t });
}

function fileName(url) {
  return String(url).split('/').pop();
}
