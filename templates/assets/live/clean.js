// Text the way CLIP's own tokenizer cleans it before BPE: the twin of explainer/textclean.py
// (ftfy.fix_text, then html.unescape twice, strip, whitespace runs to one space). Pure; tested in Node
// against Python on awkward texts and on every vocabulary label (tests/test_live_tokenizer.py).
//
// Ported from ftfy: HTML entities, C0 controls, Latin ligatures, full-width forms, curly quotes, line
// breaks, NFC. Not ported: ftfy's mojibake repair (text decoded in the wrong encoding), which a reader
// typing into a text box does not produce. Lowercasing is left to the tokenizer, as in the build.
// entities: html.entities.html5 ({'amp;': '&', 'amp': '&', ...}), site/live/entities.json.

const LIGATURES = {
  '\u0132': 'IJ', '\u0133': 'ij', '\u0149': '\u02bcn', '\u01f1': 'DZ', '\u01f2': 'Dz', '\u01f3': 'dz',
  '\u01c4': 'D\u017d', '\u01c5': 'D\u017e', '\u01c6': 'd\u017e', '\u01c7': 'LJ', '\u01c8': 'Lj', '\u01c9': 'lj',
  '\u01ca': 'NJ', '\u01cb': 'Nj', '\u01cc': 'nj', '\ufb00': 'ff', '\ufb01': 'fi', '\ufb02': 'fl', '\ufb03': 'ffi',
  '\ufb04': 'ffl', '\ufb05': '\u017ft', '\ufb06': 'st',
};
const LIGATURE_RE = new RegExp(`[${Object.keys(LIGATURES).join('')}]`, 'gu');
const WIDE_RE = /[\u3000\uff01-\uffef]/gu;  // ftfy.chardata.WIDTH_MAP: these forms to their NFKC form
const SINGLE_QUOTE_RE = /[\u02bc\u2018-\u201b]/gu;
const DOUBLE_QUOTE_RE = /[\u201c-\u201f]/gu;
// eslint-disable-next-line no-control-regex -- the cleaner removes control characters, as ftfy does
const CONTROL_RE = /[\u0000-\u0008\u000b\u000e-\u001f\u007f\u206a-\u206f\ufeff\ufff9-\ufffc]/gu;
// eslint-disable-next-line no-control-regex -- matches terminal colour escapes (ESC [ ... m), as ftfy does
const TERMINAL_ESCAPE_RE = /\u001b\[((?:\d|;)*)([a-zA-Z])/gu;
const FTFY_ENTITY_RE = /&#?[0-9A-Za-z]{1,24};/gu;
// Python's html._charref: numeric references with or without ';', names up to 32 characters
const CHARREF_RE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;
// html._invalid_charrefs: numeric references the HTML5 spec maps elsewhere (Windows-1252 mostly)
const INVALID_CHARREFS = {
  0x00: '\ufffd', 0x0d: '\r', 0x80: '\u20ac', 0x81: '\x81', 0x82: '\u201a', 0x83: '\u0192', 0x84: '\u201e',
  0x85: '\u2026', 0x86: '\u2020', 0x87: '\u2021', 0x88: '\u02c6', 0x89: '\u2030', 0x8a: '\u0160', 0x8b: '\u2039',
  0x8c: '\u0152', 0x8d: '\x8d', 0x8e: '\u017d', 0x8f: '\x8f', 0x90: '\x90', 0x91: '\u2018', 0x92: '\u2019',
  0x93: '\u201c', 0x94: '\u201d', 0x95: '\u2022', 0x96: '\u2013', 0x97: '\u2014', 0x98: '\u02dc', 0x99: '\u2122',
  0x9a: '\u0161', 0x9b: '\u203a', 0x9c: '\u0153', 0x9d: '\x9d', 0x9e: '\u017e', 0x9f: '\u0178',
};

function isInvalidCodepoint(cp) {  // html._invalid_codepoints: dropped
  return (cp >= 0x1 && cp <= 0x8) || cp === 0xb || (cp >= 0xe && cp <= 0x1f) || (cp >= 0x7f && cp <= 0x9f)
    || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;
}

/** Python's html.unescape, with its table of named references. */
export function unescapeHtml(text, entities) {
  if (!text.includes('&')) return text;
  return text.replace(CHARREF_RE, (whole, s) => {
    if (s[0] === '#') {
      const hex = s[1] === 'x' || s[1] === 'X';
      const num = parseInt(s.slice(hex ? 2 : 1).replace(/;$/, ''), hex ? 16 : 10);
      if (num in INVALID_CHARREFS) return INVALID_CHARREFS[num];
      if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) return '\ufffd';
      if (isInvalidCodepoint(num)) return '';
      return String.fromCodePoint(num);
    }
    if (Object.hasOwn(entities, s)) return entities[s];
    for (let x = s.length - 1; x > 1; x--) {  // the longest known prefix, such as '&amp' in '&ampxyz'
      if (Object.hasOwn(entities, s.slice(0, x))) return entities[s.slice(0, x)] + s.slice(x);
    }
    return whole;
  });
}

/** ftfy.fixes.unescape_html: only references that end in ';' (and the upper-case names ftfy knows). */
function ftfyUnescape(text, entities) {
  return text.replace(FTFY_ENTITY_RE, (ref) => {
    const name = ref.slice(1);
    if (name[0] === '#') {
      const out = unescapeHtml(ref, entities);
      return out.includes(';') ? ref : out;
    }
    if (Object.hasOwn(entities, name)) return entities[name];
    // '&EACUTE;' -> 'É': ftfy reads an all-caps lower-case name when it means nothing else
    const lower = name.toLowerCase();
    if (name === lower.toUpperCase() && Object.hasOwn(entities, lower) && unescapeHtml(ref, entities) === ref) {
      return entities[lower].toUpperCase();
    }
    return ref;
  });
}

/** One pass of ftfy.fix_text's fixers, in its order (mojibake repair left out, see above). */
function ftfyPass(text, entities, unescape) {
  if (unescape) text = ftfyUnescape(text, entities);
  text = text.replace(LIGATURE_RE, (c) => LIGATURES[c]);
  text = text.replace(WIDE_RE, (c) => (c === '\u3000' ? ' ' : c.normalize('NFKC')));
  text = text.replace(SINGLE_QUOTE_RE, "'").replace(DOUBLE_QUOTE_RE, '"');
  text = text.replace(/\r\n/gu, '\n').replace(/[\r\u2028\u2029\u0085]/gu, '\n');
  text = text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu, '\ufffd');
  text = text.replace(TERMINAL_ESCAPE_RE, '').replace(CONTROL_RE, '');
  return text.normalize('NFC');
}

/** A label or prompt -> the text the tokenizer encodes. */
export function clean(text, entities) {
  const unescape = !text.includes('<');  // ftfy's unescape_html='auto': off when the text looks like HTML
  for (let i = 0; i < 16; i++) {  // ftfy repeats its fixers until nothing changes
    const next = ftfyPass(text, entities, unescape);
    if (next === text) break;
    text = next;
  }
  text = unescapeHtml(unescapeHtml(text, entities), entities).trim();
  return text.replace(/\s+/gu, ' ').trim();
}
