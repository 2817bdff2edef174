// Small DOM helpers. Reader input (typed or from the URL) reaches the page only through textContent and
// attribute values, never as HTML: every element here is built with createElement.
import { MAX_LABEL_LENGTH } from './snapshot.js';

export const $ = (id) => document.getElementById(id);

export function cell(tag, text, className) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (className) el.className = className;
  return el;
}

export function rowHeader(text) {
  const th = cell('th', text);
  th.scope = 'row';
  return th;
}

/** Replace a two-column table's body with [heading, value] rows. */
export function fillTable(id, pairs) {
  $(id).tBodies[0].replaceChildren(...pairs.map(([head, value]) => {
    const tr = document.createElement('tr');
    tr.append(rowHeader(head), cell('td', value, 'num'));
    return tr;
  }));
}

/** A select's options from values (reader text only as textContent; `none` adds a first, empty choice), rebuilt
 * only when they change, then `chosen` selected. */
export function fillSelect(select, values, chosen, none = null) {
  const options = (none === null ? [] : [['', none]]).concat(values.map((v) => [v, v]));
  const key = JSON.stringify(options);
  if (select.dataset.options !== key) {
    select.replaceChildren(...options.map(([value, text]) => {
      const option = cell('option', text);
      option.value = value;
      return option;
    }));
    select.dataset.options = key;
  }
  select.value = chosen;
}

export function actionButton(text, label, disabled, onClick) {
  const button = cell('button', text);
  button.type = 'button';
  button.setAttribute('aria-label', label);
  button.disabled = disabled;
  button.addEventListener('click', onClick);
  return button;
}

/** A label in quotes, cut at the length limit. */
export const quoted = (text) =>
  `“${text.length > MAX_LABEL_LENGTH ? `${text.slice(0, MAX_LABEL_LENGTH)}…` : text}”`;

export { percent, threeDigits } from '../rules/sentences.js';
