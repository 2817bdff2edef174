// A label's file name: the first 16 hex digits of sha256 of its UTF-8 bytes (explainer.data.label_hash), shared by
// the label editor's fetch (state/labelfiles.js) and the models figure's (a further model's label files).

/** The first 16 hex digits of sha256 of the label's UTF-8 bytes. */
export async function labelHash(label) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(label));
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}
