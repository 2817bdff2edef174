// Live mode's downloads, in the worker: each file fetched with byte progress and an abort signal, then
// checked against the sha256 the manifest gives for it (crypto.subtle). A missing, truncated or altered
// file is an error that names it; nothing is used before it has been checked.

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
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const hex = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
  if (hex !== entry.sha256) {
    throw new LiveError('corrupt', `${entry.file} is corrupt: its sha256 is ${hex.slice(0, 12)}…, the manifest `
      + `says ${entry.sha256.slice(0, 12)}… (${bytes.length.toLocaleString('en')} of `
      + `${entry.bytes.toLocaleString('en')} bytes). Rebuild the site or reload the page.`);
  }
  return bytes;
}

/** Downloads entries [{file, url, bytes, sha256}] one after another, with one progress total over all of
 * them: onProgress({loaded, total, file}). Returns {file: Uint8Array}. */
export async function downloadAll(entries, signal, onProgress) {
  const total = entries.reduce((sum, e) => sum + e.bytes, 0);
  let before = 0;
  const out = {};
  for (const entry of entries) {
    onProgress({ loaded: before, total, file: entry.file });
    const bytes = await fetchBytes(entry.url, signal,
      (n) => onProgress({ loaded: before + n, total, file: entry.file }));
    out[entry.file] = await verify(bytes, entry);
    before += entry.bytes;
  }
  onProgress({ loaded: total, total, file: null });
  return out;
}

function fileName(url) {
  return String(url).split('/').pop();
}
