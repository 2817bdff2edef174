// The typographic-attack lab's state (figures/attack.js, content/sections/55-fools.md), joined to store.js's state,
// actions and reducers. attack: the word and placement on screen, { word, placement, live }, kept in the link
// (urlstate.js: attack=WORD&attackat=PLACEMENT); live: a word the reader typed (or a link's word that is not one of
// the build's), which the page stamps itself and live mode embeds. attackStamps: typed stamp (stampKey) -> its
// vector from live mode, { state: 'ready', vector: (dim,) } or { state: 'failed', error }; a typed stamp with no
// entry is on its way while live mode is on (effects.js embeds it), and waits for live mode until then.
import { stampKey } from '../rules/stamp.js';

export const attackState = () => ({ attack: null, attackStamps: new Map() });

/** The key of the typed stamp the view shows, or null (a word of the build's list, or none chosen). */
export const typedStampKey = (state) => (state.attack?.live ? stampKey(state.photo, state.attack) : null);

export const ATTACK_ACTIONS = {
  /** attack: { word, placement, live } (live: the word was typed; a word of the list is not). */
  chooseAttack: (attack) => ({ type: 'chooseAttack', attack }),
  /** A word the reader typed, stamped in the placement: { word, placement }; typed again after a failure, a retry. */
  typeAttack: (attack) => ({ type: 'typeAttack', attack: { ...attack, live: true } }),
  /** A typed stamp's vector from live mode's photo tower, or its error. */
  attackStamped: (key, vector, error = null) => ({ type: 'attackStamped', key, vector, error }),
};

const same = (a, b) => a?.word === b.word && a?.placement === b.placement && Boolean(a?.live) === Boolean(b.live);
const chosen = ({ word, placement, live }) => ({ word, placement, live: Boolean(live) });

export const ATTACK_REDUCERS = {
  chooseAttack: (state, { attack }) => (same(state.attack, attack) ? state : { ...state, attack: chosen(attack) }),
  typeAttack(state, { attack }) {
    const key = stampKey(state.photo, attack);
    const failed = state.attackStamps.get(key)?.state === 'failed';  // asked again: embedded again
    if (same(state.attack, attack) && !failed) return state;
    const attackStamps = new Map(state.attackStamps);
    if (failed) attackStamps.delete(key);
    return { ...state, attack: chosen(attack), attackStamps };
  },
  attackStamped(state, { key, vector, error }) {
    if (state.attackStamps.has(key)) return state;
    const attackStamps = new Map(state.attackStamps);
    attackStamps.set(key, error ? { state: 'failed', error } : { state: 'ready', vector });
    return { ...state, attackStamps };
  },
};

/** The lab's part of the view: the store's { word, placement, live } (the build's default until one is chosen), with
 * the typed stamp's state ('ready' with its vector, 'failed' with its error, 'pending' while live mode is on or
 * starting, 'waiting' until then) and live mode's. */
export function attackOf(state, fallback) {
  const attack = state.attack ?? (fallback && { ...fallback, live: false });
  if (!attack?.live) return attack;
  const entry = state.attackStamps.get(typedStampKey(state));
  return { ...attack, ...(entry ?? { state: state.liveMode === 'off' ? 'waiting' : 'pending' }),
    liveMode: state.liveMode };
}
