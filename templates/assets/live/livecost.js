// Live mode's cost, said before anything starts where it matters: on a device that reports little memory
// (navigator.deviceMemory <= LOW_MEMORY_GB) or a phone's screen (NARROW_MEDIA, the page's one narrow rule),
// the Live mode button gives the download and the memory the text tower costs, and a second button offers
// both towers with their cost; elsewhere the button stays as the build wrote it. The memory figures are the
// build's (snapshot live.memory_bytes: the bench measures what Chromium really holds, README "Live mode").
import { NARROW_MEDIA } from '../rules/layout.js';

export const LOW_MEMORY_GB = 4;

const mb = (bytes) => `${Math.round(bytes / 1e6)} MB`;

/** Pure: {text, both} button words when the device calls for them (live: the snapshot's live entry), or
 *  null. device: {deviceMemory (GB, undefined where the browser does not say), narrow (a phone's screen)}. */
export function liveOffer(live, device) {
  if (!live || !lowMemory(device) || !live.memory_bytes) return null;
  const { text, vision } = live.memory_bytes;
  return {
    text: `Live mode, text only: ${mb(live.text_bytes)} download, about ${mb(text)} of memory`,
    both: `Text and your photos: ${mb(live.text_bytes + live.vision_bytes)} download, about ${mb(text + vision)}`
      + ' of memory',
    photo: ` A photo of your own starts the photo tower: ${mb(live.vision_bytes)} more to download, about`
      + ` ${mb(vision)} more memory.`,
  };
}

/** Pure: a device that reports little memory, or a phone's screen (device: as liveOffer's). */
export const lowMemory = ({ deviceMemory, narrow }) =>
  (deviceMemory !== undefined && deviceMemory <= LOW_MEMORY_GB) || narrow;

const thisDevice = () => ({ deviceMemory: navigator.deviceMemory, narrow: matchMedia(NARROW_MEDIA).matches });

/** Whether this device is short of memory (lowMemory): live mode then runs one worker only (liveui.js). */
export const shortOfMemory = () => lowMemory(thisDevice());

/** The live panel's words for this device; startBoth() starts both towers. */
export function offerLive(live, startBoth) {
  const offer = liveOffer(live, thisDevice());
  const button = document.querySelector('[data-testid=live-start]');
  if (!offer || !button) return;
  button.textContent = offer.text;
  const both = Object.assign(document.createElement('button'), { type: 'button', textContent: offer.both });
  both.dataset.testid = 'live-start-both';
  both.addEventListener('click', startBoth);
  button.closest('p').replaceChildren(button, ' ', both, ' embed any text (and your photos) in this browser.');
  document.getElementById('own-photo')?.append(offer.photo);  // the file input starts the photo tower too
}
