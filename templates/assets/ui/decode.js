// The reader's photo file -> its pixels, decoded as the worker decodes a Blob (EXIF orientation applied,
// no premultiplied alpha, no colour-space conversion), so the page and the photo tower preprocess the same
// bytes. Rejects with kind 'image' and words a reader can read when the file is not a decodable image.

/** A Blob -> ImageData-like { data, width, height }. */
export async function decodeImage(blob) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none',
                                             colorSpaceConversion: 'none' });
  } catch {
    const name = blob.name ? `“${blob.name}”` : 'This file';
    throw Object.assign(new Error(`${name} could not be read as an image (it is not a photo this browser can decode).`),
      { kind: 'image' });
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}
