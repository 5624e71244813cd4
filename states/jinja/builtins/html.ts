/**
 * HTML and URL helpers behind escape, striptags, urlize and urlencode: markupsafe's escape
 * and striptags, Jinja2's urlize and url_quote (urllib.parse.quote).
 */
import { HTML5_ENTITIES_JSON } from './html5-entities.js';
import { W, splitWhitespace } from './support.js';

/** markupsafe.escape on a str */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/>/g, '&gt;').replace(/</g, '&lt;').replace(/'/g, '&#39;').replace(/"/g, '&#34;');

let html5: Map<string, string> | undefined;
/** html.entities.html5, parsed on first use. */
const entities = (): Map<string, string> =>
  (html5 ??= new Map(Object.entries(JSON.parse(HTML5_ENTITIES_JSON) as Record<string, string>)));

// html.unescape's replacements for numeric references to C1 controls and invalid code points
const INVALID_CHARREFS: Record<number, string> = {
  0x00: '\ufffd', 0x0d: '\r', 0x80: '\u20ac', 0x81: '\x81', 0x82: '\u201a', 0x83: '\u0192', 0x84: '\u201e',
  0x85: '\u2026', 0x86: '\u2020', 0x87: '\u2021', 0x88: '\u02c6', 0x89: '\u2030', 0x8a: '\u0160',
  0x8b: '\u2039', 0x8c: '\u0152', 0x8d: '\x8d', 0x8e: '\u017d', 0x8f: '\x8f', 0x90: '\x90', 0x91: '\u2018',
  0x92: '\u2019', 0x93: '\u201c', 0x94: '\u201d', 0x95: '\u2022', 0x96: '\u2013', 0x97: '\u2014',
  0x98: '\u02dc', 0x99: '\u2122', 0x9a: '\u0161', 0x9b: '\u203a', 0x9c: '\u0153', 0x9d: '\x9d',
  0x9e: '\u017e', 0x9f: '\u0178',
};

/** Code points html.unescape drops: C0/C1 controls, noncharacters. */
function invalidCodepoint(n: number): boolean {
  return (n >= 0x1 && n <= 0x8) || n === 0xb || (n >= 0xe && n <= 0x1f) || (n >= 0x7f && n <= 0x9f)
    || (n >= 0xfdd0 && n <= 0xfdef) || (n & 0xfffe) === 0xfffe;
}

/** Python's html.unescape */
export function unescapeHtml(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g, (_whole, ref: string) => {
    if (ref.startsWith('#')) {
      const digits = ref.replace(/;$/, '');
      const num = digits[1] === 'x' || digits[1] === 'X' ? parseInt(digits.slice(2), 16) : parseInt(digits.slice(1), 10);
      if (num in INVALID_CHARREFS) return INVALID_CHARREFS[num];
      if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) return '\ufffd';
      if (invalidCodepoint(num)) return '';
      return String.fromCodePoint(num);
    }
    const table = entities();
    const hit = table.get(ref);
    if (hit !== undefined) return hit;
    // the longest legacy name that starts the reference ("&copyright" is "©right")
    for (let x = ref.length - 1; x > 1; x--) {
      const legacy = table.get(ref.slice(0, x));
      if (legacy !== undefined) return legacy + ref.slice(x);
    }
    return `&${ref}`;
  });
}

/** markupsafe's Markup(s).striptags() */
export function striptags(value: string): string {
  let v = value;
  for (;;) {
    const start = v.indexOf('<!--');
    if (start < 0) break;
    const end = v.indexOf('-->', start);
    if (end < 0) break;
    v = v.slice(0, start) + v.slice(end + 3);
  }
  for (;;) {
    const start = v.indexOf('<');
    if (start < 0) break;
    const end = v.indexOf('>', start);
    if (end < 0) break;
    v = v.slice(0, start) + v.slice(end + 1);
  }
  return unescapeHtml(splitWhitespace(v).join(' '));
}

const ALWAYS_SAFE = /[A-Za-z0-9_.\-~]/;

/** Jinja2's url_quote: urllib.parse.quote on the UTF-8 bytes; for_qs also quotes "/" and writes spaces as "+". */
export function urlQuote(s: string, forQs: boolean): string {
  let out = '';
  for (const ch of s) {
    if (ALWAYS_SAFE.test(ch) || (!forQs && ch === '/')) { out += ch; continue; }
    for (const b of new TextEncoder().encode(ch)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return forQs ? out.replace(/%20/g, '+') : out;
}

const HTTP_RE = new RegExp(
  '^(' +
  `(https?://|www\\.)(([${W.slice(1, -1)}%-]+\\.)+)?([a-z]{2,63}|xn--[${W.slice(1, -1)}%]{2,59})` +
  `|([${W.slice(1, -1)}%-]{2,63}\\.)+(com|net|int|edu|gov|org|info|mil)` +
  '|(https?://)((([\\p{Nd}]{1,3})(\\.[\\p{Nd}]{1,3}){3})|(\\[([\\p{Nd}a-f]{0,4}:){2}([\\p{Nd}a-f]{0,4}:?){1,6}\\]))' +
  ')(?::[\\p{Nd}]{1,5})?(?:[/?#]\\S*)?$',
  'iu',
);
const EMAIL_RE = new RegExp(`^\\S+@${W}[${W.slice(1, -1)}.-]*\\.${W}+$`, 'u');

export interface UrlizeOptions {
  trimUrlLimit: number | null;
  rel: string | null;
  target: string | null;
  extraSchemes: string[];
}

const count = (s: string, sub: string): number => s.split(sub).length - 1;

/** Jinja2's utils.urlize */
export function urlize(text: string, o: UrlizeOptions): string {
  const trimUrl = (x: string): string => (o.trimUrlLimit !== null && x.length > o.trimUrlLimit ? `${x.slice(0, o.trimUrlLimit)}...` : x);
  const words = escapeHtml(text).split(/(\s+)/u);
  const relAttr = o.rel ? ` rel="${escapeHtml(o.rel)}"` : '';
  const targetAttr = o.target ? ` target="${escapeHtml(o.target)}"` : '';
  return words.map((word) => {
    let head = '';
    let middle = word;
    let tail = '';
    const lead = /^([(<]|&lt;)+/.exec(middle);
    if (lead) { head = lead[0]; middle = middle.slice(lead[0].length); }
    if (/([)>.,\n]|&gt;)$/.test(middle)) {
      const trail = /([)>.,\n]|&gt;)+$/.exec(middle);
      if (trail) { tail = trail[0]; middle = middle.slice(0, trail.index); }
    }
    // balance parentheses: take closing characters back from the tail
    for (const [startChar, endChar] of [['(', ')'], ['<', '>'], ['&lt;', '&gt;']] as const) {
      const startCount = count(middle, startChar);
      if (startCount <= count(middle, endChar)) continue;
      for (let i = Math.min(startCount, count(tail, endChar)); i > 0; i--) {
        const endIndex = tail.indexOf(endChar) + endChar.length;
        middle += tail.slice(0, endIndex);
        tail = tail.slice(endIndex);
      }
    }
    if (HTTP_RE.test(middle)) {
      const href = middle.startsWith('https://') || middle.startsWith('http://') ? middle : `https://${middle}`;
      middle = `<a href="${href}"${relAttr}${targetAttr}>${trimUrl(middle)}</a>`;
    } else if (middle.startsWith('mailto:') && EMAIL_RE.test(middle.slice(7))) {
      middle = `<a href="${middle}">${middle.slice(7)}</a>`;
    } else if (middle.includes('@') && !middle.startsWith('www.') && !middle.startsWith('@') && !middle.includes(':') && EMAIL_RE.test(middle)) {
      middle = `<a href="mailto:${middle}">${middle}</a>`;
    } else {
      for (const scheme of o.extraSchemes) {
        if (middle !== scheme && middle.startsWith(scheme)) middle = `<a href="${middle}"${relAttr}${targetAttr}>${middle}</a>`;
      }
    }
    return `${head}${middle}${tail}`;
  }).join('');
}
