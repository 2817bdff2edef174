// The view in the URL's fragment, e.g. #photo=cat&template=photo&tau=0.01&label=cat&live=a+red+cat (live mode's)
// Parsing never throws: anything unknown, malformed or out of range falls back to the nearest valid
// value and is reported in `notices`, short sentences the page shows to the reader.
import { MAX_LABEL_LENGTH, MAX_LIVE_LENGTH, cleanLabel } from './store.js';

export const MAX_FRAGMENT = 65536;  // characters; a longer fragment is ignored whole
export const MAX_LABELS = 1000;
// the reader's own photo: never in a link
export const isOwnPhoto = (id) => String(id).startsWith('own:');

/** View -> fragment (without '#'). */
export function serialise(view, temperatures) {
  const params = new URLSearchParams();
  if (!isOwnPhoto(view.photo)) params.set('photo', view.photo);
  params.set('template', view.template);
  params.set('tau', String(temperatures[view.tauIndex]));
  for (const label of view.labels) params.append(view.live?.includes(label) ? 'live' : 'label', label);
  return params.toString();
}

/**
 * fragment -> { view, notices, pendingLabels } (pendingLabels: labels to check once the vocabulary is loaded).
 * options: { photos: [ids], templates: [ids], temperatures: [numbers], defaults: view,
 *            isLabel(label) -> the label's own spelling | false | undefined (undefined: the vocabulary is
 *            not loaded yet) }
 */
export function parse(fragment, options) {
  const { defaults } = options;
  const view = { ...defaults, labels: [...defaults.labels], live: [] };
  const notices = [];
  const text = String(fragment ?? '').replace(/^#/, '');
  if (!text) return { view, notices, pendingLabels: [] };
  if (text.length > MAX_FRAGMENT) {
    return { view, notices: ['The link was too long to read; showing the default view.'], pendingLabels: [] };
  }
  let params;
  try {
    params = new URLSearchParams(text);
  } catch {
    return { view, notices: ['The link could not be read; showing the default view.'], pendingLabels: [] };
  }
  const photo = params.get('photo');
  if (photo !== null) {
    if (options.photos.includes(photo)) view.photo = photo;
    else notices.push(`No photo called “${clip(photo)}”; showing the default photo.`);
  }
  const template = params.get('template');
  if (template !== null) {
    if (options.templates.includes(template)) view.template = template;
    else notices.push(`No template called “${clip(template)}”; using the default template.`);
  }
  const tau = params.get('tau');
  if (tau !== null) {
    const value = Number(tau);
    const temps = options.temperatures;
    if (tau.trim() === '' || !Number.isFinite(value) || value <= 0) {
      notices.push(`“${clip(tau)}” is not a temperature; using τ = ${temps[defaults.tauIndex]}.`);
    } else {
      view.tauIndex = nearestIndex(temps, value);
      if (value < temps[0] / 1.001 || value > temps[temps.length - 1] * 1.001) {
        notices.push(`τ = ${clip(tau)} is outside ${temps[0]}–${temps[temps.length - 1]}; using τ = ${temps[view.tauIndex]}.`);
      }
    }
  }
  const pendingLabels = [];
  const raw = [...params].filter(([key]) => key === 'label' || key === 'live').map(([key, value]) => value);
  const liveWanted = new Set(params.getAll('live'));
  if (raw.length) {
    const labels = [];
    const seen = new Set();
    let refused = 0;
    for (const entry of raw.slice(0, MAX_LABELS)) {
      const label = cleanLabel(entry);
      let known = label && label.length <= MAX_LABEL_LENGTH ? options.isLabel(label) : false;
      if (typeof known !== 'string' && label && label.length <= MAX_LIVE_LENGTH && liveWanted.has(entry)) {
        known = label;
        view.live.push(label);
      }
      if (known === false || seen.has(label.toLowerCase())) { refused += 1; continue; }
      if (known === undefined) pendingLabels.push(label);
      seen.add(label.toLowerCase());
      labels.push(typeof known === 'string' ? known : label);
    }
    if (raw.length > MAX_LABELS) notices.push(`Only the first ${MAX_LABELS} labels of the link are used.`);
    if (refused) notices.push(`${refused} label${refused > 1 ? 's' : ''} in the link ${refused > 1 ? 'are' : 'is'} not in the vocabulary and ${refused > 1 ? 'were' : 'was'} left out.`);
    if (labels.length) view.labels = labels;
    else notices.push('No usable labels in the link; showing the default labels.');
  }
  return { view, notices, pendingLabels };
}

/** Index of the grid temperature nearest to value on a log scale. */
export function nearestIndex(temperatures, value) {
  let best = 0;
  for (let i = 1; i < temperatures.length; i++) {
    if (Math.abs(Math.log(temperatures[i] / value)) < Math.abs(Math.log(temperatures[best] / value))) best = i;
  }
  return best;
}

function clip(text) {
  const s = String(text);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
