// Live mode's files, remembered between visits: the Cache Storage API (a secure context: https, or a page
// served from this machine's loopback address or localhost), one entry per file under its sha256, so a new
// build's files never meet an old build's. Bytes read back are hashed again before use: a damaged entry is
// deleted and the file is fetched anew, never used. Without Cache Storage (an insecure context, a private
// mode that refuses it, a full quota) live mode downloads as before. Runs in the worker (download.js) and on
// the page (the panel's "cached (N MB)" and its "forget" button).

export const CACHE_NAME = 'clip-explainer-live-v1';

/** The cache's key for a file: a URL only this module makes (nothing is served there). */
export const cacheKey = (sha256) => new URL(`/live-mode-files/${sha256}`, self.location.origin).href;

/** bytes -> their sha256, as lowercase hex. */
export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function openCache() {
  if (typeof caches !== 'object' || !self.isSecureContext) return null;
  try {
    return await caches.open(CACHE_NAME);
  } catch {
    return null;  // refused (a private mode, a policy): live mode downloads as before
  }
}

/** entry {sha256} -> { bytes } from the cache, checked; { damaged: true } when the entry did not hash to its
 * key (it is deleted); null when it is not cached. */
export async function readCached(entry) {
  const cache = await openCache();
  const response = await cache?.match(cacheKey(entry.sha256)).catch(() => null);
  if (!response) return null;
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (await sha256Hex(bytes) === entry.sha256) return { bytes };
  await cache.delete(cacheKey(entry.sha256));
  return { damaged: true };
}

/** Stores verified bytes under their sha256; a refusal (quota) only means the next visit downloads again. */
export async function remember(entry, bytes) {
  const cache = await openCache();
  const headers = { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) };
  await cache?.put(cacheKey(entry.sha256), new Response(bytes, { headers })).catch(() => {});
}

/** files [{sha256, bytes}] -> the bytes of those cached (looked up by key; read and checked only when used). */
export async function cachedBytes(files) {
  const cache = await openCache();
  if (!cache) return 0;
  const found = await Promise.all(files.map((f) => cache.match(cacheKey(f.sha256)).then(Boolean, () => false)));
  return files.reduce((sum, f, i) => sum + (found[i] ? f.bytes : 0), 0);
}

/** Deletes every remembered live-mode file; false when there is no Cache Storage here. */
export async function forgetAll() {
  if (typeof caches !== 'object' || !self.isSecureContext) return false;
  return caches.delete(CACHE_NAME).catch(() => false);
}
