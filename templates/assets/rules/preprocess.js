// The build's image preprocessing (transformers' CLIPImageProcessorPil), pixel for pixel: shortest side
// to `shortest_edge` with Pillow's bicubic filter, centre crop, then (value / 255 - mean) / std. The
// browser's own resizing (canvas drawImage) is not Pillow's, so this is a port of Pillow's Resample.c:
// separable, horizontal pass first, coefficients in 22-bit fixed point, each pass rounded to 8 bits.
// Pure; tested in Node against Python (tests/test_live_preprocess.py).

const PRECISION_BITS = 32 - 8 - 2;
const SUPPORT = 2;  // the bicubic filter reaches 2 source pixels either side (at scale 1)

function bicubic(x) {  // Pillow's bicubic_filter, a = -0.5
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc: per output pixel, its first source pixel, how many
 * it reads, and their fixed-point weights. */
function coefficients(inSize, outSize) {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = SUPPORT * filterScale;
  const kSize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * kSize);  // (outSize, kSize)
  const row = new Float64Array(kSize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      row[x] = bicubic((x + xmin - center + 0.5) / filterScale);
      sum += row[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? row[x] / sum : row[x];
      weights[xx * kSize + x] = Math.trunc(w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { bounds, weights, kSize };
}

function clip8(sum) {
  return Math.min(255, Math.max(0, Math.floor(sum / (1 << PRECISION_BITS))));
}

/** Pillow's ImagingResampleHorizontal_8bpc over RGB bytes (3 per pixel): rows first..first+rows of src,
 * each resampled from width to outW pixels. */
function horizontalPass(src, width, outW, first, rows) {
  const { bounds, weights, kSize } = coefficients(width, outW);
  const out = new Uint8Array(outW * rows * 3);  // (rows, outW, 3)
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < outW; x++) {
      const min = bounds[x * 2], count = bounds[x * 2 + 1];
      for (let c = 0; c < 3; c++) {
        let sum = 1 << (PRECISION_BITS - 1);
        for (let i = 0; i < count; i++) sum += src[((y + first) * width + min + i) * 3 + c] * weights[x * kSize + i];
        out[(y * outW + x) * 3 + c] = clip8(sum);
      }
    }
  }
  return out;
}

/** Pillow's ImagingResampleVertical_8bpc: columns of src (width wide) resampled to outH rows with the given
 * coefficients, whose source rows are counted from `shift`. */
function verticalPass(src, width, { bounds, weights, kSize }, outH, shift) {
  const out = new Uint8Array(width * outH * 3);  // (outH, width, 3)
  for (let y = 0; y < outH; y++) {
    const min = bounds[y * 2] - shift, count = bounds[y * 2 + 1];
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 1 << (PRECISION_BITS - 1);
        for (let i = 0; i < count; i++) sum += src[((min + i) * width + x) * 3 + c] * weights[y * kSize + i];
        out[(y * width + x) * 3 + c] = clip8(sum);
      }
    }
  }
  return out;
}

/** Pillow's ImagingResample for RGB, (width, height) -> (outW, outH): the horizontal pass first, over only
 * the rows the vertical pass will read; either pass is skipped when its size does not change. */
export function resizeBicubic(rgb, width, height, outW, outH) {
  const vertical = coefficients(height, outH);
  let data = rgb, shift = 0;
  if (outW !== width) {
    const first = vertical.bounds[0];
    const last = vertical.bounds[outH * 2 - 2] + vertical.bounds[outH * 2 - 1];
    data = horizontalPass(rgb, width, outW, first, last - first);
    shift = first;
  }
  return outH === height ? data : verticalPass(data, outW, vertical, outH, shift);
}

/** RGBA pixels (ImageData-like: data, width, height) -> RGB bytes, transparency composited on white as
 * the build's photos.to_rgb does. */
export function toRgb({ data, width, height }) {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const a = data[i * 4 + 3];
    for (let c = 0; c < 3; c++) {
      const v = data[i * 4 + c];
      rgb[i * 3 + c] = a === 255 ? v : Math.round((v * a + 255 * (255 - a)) / 255);
    }
  }
  return rgb;
}

/** ImageData-like -> the vision tower's pixel_values, (3, crop, crop) float32, channel first.
 * config: the manifest's `preprocess` (shortest_edge, crop [h, w], rescale, mean, std). */
export function preprocess(image, config) {
  const { width, height } = image;
  const short = Math.min(width, height), long = Math.max(width, height);
  const longSide = Math.trunc(config.shortest_edge * long / short);  // transformers: int(size * long / short)
  const [outW, outH] = width <= height ? [config.shortest_edge, longSide] : [longSide, config.shortest_edge];
  const resized = resizeBicubic(toRgb(image), width, height, outW, outH);
  const [cropH, cropW] = config.crop;
  const top = Math.floor((outH - cropH) / 2), left = Math.floor((outW - cropW) / 2);
  const out = new Float32Array(3 * cropH * cropW);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < cropH; y++) {
      for (let x = 0; x < cropW; x++) {
        const v = resized[((y + top) * outW + x + left) * 3 + c];
        out[(c * cropH + y) * cropW + x] = (v * config.rescale - config.mean[c]) / config.std[c];
      }
    }
  }
  return out;
}

export const CHANNELS = ['r', 'g', 'b'];  // modelInput's channels, in order
const CHANNEL_RANGE = [-2.0, 2.2];  // normalised values drawn black .. white, as modelinput.py's CHANNEL_RANGE
const round3 = (x) => Math.round(x * 1000) / 1000;
const byte = (x) => Math.round(Math.min(Math.max(x, 0), 1) * 255);

/** Pixels (ImageData-like) and the manifest's `preprocess` -> what modelinput.py writes for a photo:
 * input (S*S*4 RGBA, the normalisation undone), channels (three S*S*4 RGBA greys) and stats
 * ({r|g|b: {mean, min, max}}, rounded to 3 places), with size S. */
export function modelInput(image, config) {
  const pixels = preprocess(image, config);  // (3, S, S) float32
  const [size] = config.crop;
  const area = size * size;
  const input = new Uint8ClampedArray(area * 4).fill(255);
  const channels = CHANNELS.map(() => new Uint8ClampedArray(area * 4).fill(255));
  const result = { size, input, channels, stats: {} };
  const [low, high] = CHANNEL_RANGE;
  CHANNELS.forEach((name, c) => {
    const values = pixels.subarray(c * area, (c + 1) * area);
    const { mean, std } = { mean: Math.fround(config.mean[c]), std: Math.fround(config.std[c]) };
    let sum = 0, min = Infinity, max = -Infinity;
    for (let i = 0; i < area; i++) {
      const v = values[i];
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
      input[i * 4 + c] = byte(Math.fround(Math.fround(v * std) + mean));
      const grey = byte((v - low) / (high - low));
      channels[c].fill(grey, i * 4, i * 4 + 3);
    }
    result.stats[name] = { mean: round3(sum / area), min: round3(min), max: round3(max) };
  });
  return result;
}
