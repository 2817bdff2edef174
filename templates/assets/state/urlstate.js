// The view in the URL's fragment, e.g. #photo=cat&template=photo&tau=0.01&label=cat&live=a+red+cat (live mode's);
// &measure=probability when the matrix shows probabilities (similarities, the default, are not written);
// &why=dog&rival=cat when the reader chose the label the "why" figures explain, or their rival (one of the labels);
// &layer=3&head=2&attention=rollout&text-layer=2: the deep dive inside the towers (the default: last layer, mean);
// &at=figure-13: the place, the element an in-page link took the reader to (links.js), written last. A fragment
// without "=" (#figure-13, #softmax, an old link or a plain anchor) is a place alone: the default view there.
// Parsing never throws: anything unknown, malformed or out of range falls back to the nearest valid
// value and is reported in `notices`, short sentences the page shows to the reader.
import { nearestIndex } from '../rules/clipmath.js';
import { MAX_WORD, stampable } from '../rules/stamp.js';
import { MAX_LABEL_LENGTH } from '../ui/snapshot.js';
import { MAX_LIVE_LENGTH, cleanLabel, reservedLabel } from './store.js';
import { modelOf } from './modelstate.js';

export const MAX_FRAGMENT = 65536;  // characters; a longer fragment is ignored whole
// Labels read from a link (label= and live= together; settings.yaml's limits.link_labels, in the snapshot, else
// this) and, among them, live labels (each one runs the text tower in the reader's browser); the rest are left
// out with a notice, so a link can neither start hundreds of requests nor keep live mode busy for minutes.
export const MAX_LABELS = 50;
export const MAX_LIVE_LABELS = 50;
export const MEASURES = ['similarity', 'probability'];  // what the matrix's cells show
// the reader's own photo: only its id in a link (photo=own:1), its pixels never (live/ownkept.js keeps them in the tab)
export const isOwnPhoto = (id) => String(id).startsWith('own:');

// an element id a link may name as its place (the build's ids: figure-3, ref-radford2021, fn-two-encoders-x...)
const PLACE = /^[A-Za-z][\w:.-]{0,119}$/;

/** The place a fragment names (its at=, or the whole fragment when it has no "="), else null. */
export function placeOf(fragment) {
  const text = String(fragment ?? '').replace(/^#/, '');
  if (!text || text.length > MAX_FRAGMENT) return null;
  let place;
  try {  // a view's address names its place with at=; a plain anchor is one (percent-encoded as the browser shows it)
    place = text.includes('=') ? new URLSearchParams(text).get('at') : decodeURIComponent(text);
  } catch {
    return null;
  }
  return place && PLACE.test(place) ? place : null;
}

/** View (and place, an element id) -> fragment (without '#'). */
export function serialise(view, temperatures, place = null) {
  const params = new URLSearchParams();
  params.set('photo', view.photo);
  params.set('template', view.template);
  params.set('tau', String(temperatures[view.tauIndex]));
  if (view.measure === 'probability') params.set('measure', 'probability');
  if (view.model) params.set('model', view.model);  // a further model (store's model; null: the default)
  if (view.centred) params.set('centred', '1');  // "centre the space" (state/numbersstate.js)
  for (const label of view.labels) params.append(view.live?.includes(label) ? 'live' : 'label', label);
  for (const [key, label] of [['why', view.why?.label], ['rival', view.why?.rival]]) {
    if (label && view.labels.includes(label)) params.set(key, label);  // only while it is one of the view's labels
  }
  const towers = view.towers ?? {};  // inside the towers: written only when not the default (last layer, mean)
  if (towers.layer) params.set('layer', String(towers.layer));
  if (towers.head && towers.head !== 'mean') params.set('head', String(towers.head));
  if (towers.view === 'rollout') params.set('attention', 'rollout');
  if (towers.textLayer) params.set('text-layer', String(towers.textLayer));
  // the attack lab's stamp, once the reader chose one: a word of its list, or one they typed (live mode's), alike
  if (view.attack) params.set('attack', view.attack.word);
  if (view.attack) params.set('attackat', view.attack.placement);
  if (place) params.set('at', place);
  return params.toString();
}

/**
 * fragment -> { view, notices, pendingLabels } (pendingLabels: labels to check once the vocabulary is loaded).
 * options: { photos: [ids], templates: [ids], temperatures: [numbers], defaults: view,
 *            isLabel(label) -> the label's own spelling | false | undefined (undefined: the vocabulary is
 *            not loaded yet), maxLabels: labels read from a link (default MAX_LABELS), attack: the snapshot's
 *            attack lab, live: the site has live mode (a typed word in the lab waits for it) }
 */
export function parse(fragment, options) {
  const { defaults } = options;
  const maxLabels = options.maxLabels ?? MAX_LABELS;
  const view = { ...defaults, labels: [...defaults.labels], live: [], why: { label: null, rival: null } };
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
    else if (isOwnPhoto(photo)) notices.push('Your own photo is not kept in this tab; showing the default photo.');
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
        const range = `${temps[0]}–${temps[temps.length - 1]}`;
        notices.push(`τ = ${clip(tau)} is outside ${range}; using τ = ${temps[view.tauIndex]}.`);
      }
    }
  }
  const measure = params.get('measure');
  if (measure !== null) {
    if (MEASURES.includes(measure)) view.measure = measure;
    else notices.push(`The matrix shows “similarity” or “probability”, not “${clip(measure)}”; showing similarities.`);
  }
  view.centred = params.get('centred') === '1';
  view.model = modelOf(params.get('model'), options.models, notices);  // options.models: the site's ids, default first
  const pendingLabels = [];
  const raw = [...params].filter(([key]) => key === 'label' || key === 'live').map(([, value]) => value);
  const liveWanted = new Set(params.getAll('live'));
  if (raw.length) {
    const labels = [];
    const seen = new Map();  // lowercased label -> as the link first wrote it
    const refused = { long: [], duplicate: [], unknown: [], live: [], blank: 0 };
    for (const entry of raw.slice(0, maxLabels)) {
      const label = cleanLabel(entry).normalize('NFC');  // NFC, as the build stores labels
      if (!label || reservedLabel(label)) { refused.blank += entry.trim() !== ''; continue; }
      const longest = liveWanted.has(entry) ? MAX_LIVE_LENGTH : MAX_LABEL_LENGTH;  // a live text: up to 77 tokens
      if (label.length > longest) { refused.long.push(label); continue; }
      if (seen.has(label.toLowerCase())) { refused.duplicate.push([label, seen.get(label.toLowerCase())]); continue; }
      let known = options.isLabel(label);
      if (typeof known !== 'string' && liveWanted.has(entry)) {
        if (view.live.length >= MAX_LIVE_LABELS) { refused.live.push(label); continue; }
        known = label;
        view.live.push(label);
      }
      if (known === false) { refused.unknown.push(label); continue; }
      if (known === undefined) pendingLabels.push(label);
      seen.set(label.toLowerCase(), label);
      labels.push(typeof known === 'string' ? known : label);
    }
    if (raw.length > maxLabels) {
      notices.push(`The link has ${raw.length} labels; only the first ${maxLabels} are read, the rest were left out.`);
    }
    if (refused.live.length) {
      notices.push(`The link has ${view.live.length + refused.live.length} live labels; only the first `
        + `${MAX_LIVE_LABELS} are read, the rest were left out.`);
    }
    const some = (list) => `${list.length} label${list.length > 1 ? 's' : ''} in the link`;
    const were = (list) => (list.length > 1 ? 'were' : 'was');
    if (refused.blank) {
      notices.push(`${refused.blank} label${refused.blank > 1 ? 's' : ''} in the link had nothing visible to show `
        + `or a name no chart can show (such as “constructor”) and ${refused.blank > 1 ? 'were' : 'was'} left out.`);
    }
    if (refused.long.length) {
      notices.push(`${some(refused.long)} ${refused.long.length > 1 ? 'are' : 'is'} longer than ${MAX_LABEL_LENGTH} `
        + `characters (${MAX_LIVE_LENGTH} for live text) and ${were(refused.long)} left out: `
        + `${refused.long.slice(0, 3).map(quote).join(', ')}.`);
    }
    if (refused.duplicate.length) {
      const pairs = refused.duplicate.slice(0, 3).map(([again, first]) => `${quote(again)} (same as ${quote(first)})`);
      notices.push(`${some(refused.duplicate)} repeat${refused.duplicate.length > 1 ? '' : 's'} another, ignoring `
        + `case, and ${were(refused.duplicate)} left out: ${pairs.join(', ')}.`);
    }
    if (refused.unknown.length) {
      notices.push(`${some(refused.unknown)} ${refused.unknown.length > 1 ? 'are' : 'is'} not in the vocabulary and `
        + `${were(refused.unknown)} left out: ${refused.unknown.slice(0, 3).map(quote).join(', ')}.`);
    }
    if (labels.length) view.labels = labels;
    else notices.push('No usable labels in the link; showing the default labels.');
  }
  view.why = { label: whyLabel(params.get('why'), view.labels, notices, 'explains the top label'),
               rival: whyLabel(params.get('rival'), view.labels, notices, 'compares it with the runner-up') };
  if (view.why.rival && view.why.rival === view.why.label) view.why.rival = null;
  view.towers = towersOf(params, options.towers, notices);
  view.attack = attackOf(params, options.attack, notices, options.live);
  return { view, notices, pendingLabels };
}

/** A link's layer=, head=, attention=rollout and text-layer= (sizes: the snapshot's towers, { layers, heads,
 *  text_layers }), each checked against the checkpoint's sizes; anything else falls back with a notice. */
function towersOf(params, sizes, notices) {
  const towers = { layer: null, head: 'mean', view: 'attention', textLayer: null };
  const count = (key, most, what) => {
    const value = params.get(key);
    if (value === null) return null;
    const n = Number(value);
    if (/^\d+$/.test(value) && n >= 1 && (!most || n <= most)) return n;
    notices.push(`“${clip(value)}” is not ${what}${most ? ` (1 to ${most})` : ''}; showing the last.`);
    return null;
  };
  towers.layer = count('layer', sizes?.layers, 'a layer of the image tower');
  towers.textLayer = count('text-layer', sizes?.text_layers, 'a layer of the text tower');
  const head = params.get('head');
  if (head !== null && head !== 'mean') {
    const n = Number(head);
    if (/^\d+$/.test(head) && n >= 1 && (!sizes?.heads || n <= sizes.heads)) towers.head = n;
    else notices.push(`“${clip(head)}” is not a head${sizes?.heads ? ` (1 to ${sizes.heads})` : ''}; `
      + 'showing the mean.');
  }
  const view = params.get('attention');
  if (view === 'rollout') towers.view = 'rollout';
  else if (view !== null) notices.push(`The attention figure shows “rollout” or the layer's own, not “${clip(view)}”.`);
  return towers;
}

/** A link's why= or rival=: one of the view's labels (its spelling, any case), else null with a notice. */
function whyLabel(value, labels, notices, instead) {
  if (value === null) return null;
  const lower = cleanLabel(value).normalize('NFC').toLowerCase();
  const label = labels.find((l) => l.toLowerCase() === lower);
  if (!label) notices.push(`“${clip(value)}” is not one of the labels; the “why” figure ${instead}.`);
  return label ?? null;
}

/** A link's attack=WORD&attackat=PLACEMENT: one of the lab's words, or (typed: where the site has live mode) a word
 * the stamp can draw (rules/stamp.js stampable, as the lab's input checks it: live, stamped and embedded by the page),
 * and one of its placements (lab: the snapshot's attack); else the lab's default for the one that is not, with a
 * notice; null when the link names neither. */
function attackOf(params, lab, notices, typed) {
  const word = params.get('attack');
  const placement = params.get('attackat');
  if (!lab || (word === null && placement === null)) return null;
  const attack = { ...lab.default, live: false };
  if (word !== null && lab.words.includes(word)) attack.word = word;
  else if (word !== null && typed && lab.glyphs && stampable(word, lab.glyphs)) Object.assign(attack, { word,
    live: true });
  else if (word !== null) {
    const why = typed ? ` and cannot stamp it (1 to ${MAX_WORD} letters, digits or ASCII punctuation)` : '';
    notices.push(`The attack lab has no word “${clip(word)}”${why}; showing “${lab.default.word}”.`);
  }
  if (placement !== null && lab.placements.some((p) => p.id === placement)) attack.placement = placement;
  else if (placement !== null) notices.push(`The attack lab has no placement “${clip(placement)}”; using the default.`);
  return attack;
}

// Bidirectional controls (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI, LRM, RLM, ALM): a reader's text
// loses them, so that it cannot reorder the sentence around it.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** A reader's text for a notice: at most 40 characters, isolated (FSI ... PDI, the plain-text <bdi>). */
export function clip(text) {
  const s = String(text).replace(BIDI_CONTROLS, '');
  return `\u2068${s.length > 40 ? `${s.slice(0, 40)}…` : s}\u2069`;
}

const quote = (text) => `“${clip(text)}”`;
