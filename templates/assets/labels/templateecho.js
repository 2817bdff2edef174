// A live text that already reads like a prompt template ("a drawing of a tiny robot") is wrapped in the chosen
// template once more ("a photo of a a drawing of a tiny robot."). This rule says when: the chosen template
// begins with a short "… of" phrase and so does the text, one that a template of the page begins with
// ("a photo of", "a drawing of", "itap of"; a leading a/an/the aside), so "a cup of coffee" is left alone.
// (The sentence the model reads for a live text is rules/sentences.js's fillLive: its own article replaces the
// template's.)
// Pure: run in Node by the tests, as in the page.

import { fillLive } from '../rules/sentences.js';

const HEAD = /^((?:\S+\s+){0,3}?of)\s/i;  // up to four words, the last "of", and more after it

/** The "… of" phrase a text begins with, lower case, without a leading article, or null. */
export function promptHead(text) {
  const head = HEAD.exec(`${text.trim()} `)?.[1];
  return head ? head.toLowerCase().replace(/\s+/g, ' ').replace(/^(a|an|the) /, '') : null;
}

/** templateText: the chosen template ('{label}' once); label: a live text; templates: every template text of
 * the page. -> null when no echo, else { head: the text's "… of" phrase, prompt: the sentence the model reads }. */
export function templateEcho(templateText, label, templates) {
  if (!templateText.includes('{label}') || !promptHead(templateText.split('{label}')[0])) return null;
  const heads = new Set(templates.map((text) => promptHead(text.split('{label}')[0])).filter(Boolean));
  const head = promptHead(label);
  if (!head || !heads.has(head)) return null;
  return { head: HEAD.exec(`${label.trim()} `)[1], prompt: fillLive(templateText, label) };
}
