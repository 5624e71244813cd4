/**
 * HTML and URL helpers behind escape, striptags, urlize and urlencode: markupsafe's escape
 * and striptags, Jinja2's urlize and url_quote (urllib.parse.quote).
 */
import { W, splitWhitespace } from './support.js';

/** markupsafe.escape on a str */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/>/g, '&gt;').replace(/</g, '&lt;').replace(/'/g, '&#39;').replace(/"/g, '&#34;');

// Named character references html.unescape resolves most often in practice. Python knows the
// whole HTML5 table; names outside this list are left as written.
const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '\u00a9', reg: '\u00ae',
  trade: '\u2122', hellip: '\u2026', mdash: '\u2014', ndash: '\u2013', lsquo: '\u2018', rsquo: '\u2019',
  ldquo: '\u201c', rdquo: '\u201d', laquo: '\u00ab', raquo: '\u00bb', middot: '\u00b7', bull: '\u2022',
  deg: '\u00b0', plusmn: '\u00b1', times: '\u00d7', divide: '\u00f7', euro: '\u20ac', pound: '\u00a3',
  yen: '\u00a5', cent: '\u00a2', sect: '\u00a7', para: '\u00b6', shy: '\u00ad', iexcl: '\u00a1',
  iquest: '\u00bf', auml: '\u00e4', ouml: '\u00f6', uuml: '\u00fc', Auml: '\u00c4', Ouml: '\u00d6',
  Uuml: '\u00dc', szlig: '\u00df', eacute: '\u00e9', egrave: '\u00e8', aacute: '\u00e1', agrave: '\u00e0',
  ccedil: '\u00e7', ntilde: '\u00f1', larr: '\u2190', rarr: '\u2192', uarr: '\u2191', darr: '\u2193',
};
// html.unescape's replacements for numeric references to C1 controls and invalid code points
const INVALID_CHARREFS: Record<number, string> = {
  0x00: '\ufffd', 0x0d: '\r', 0x80: '\u20ac', 0x81: '\x81', 0x82: '\u201a', 0x83: '\u0192', 0x84: '\u201e',
  0x85: '\u2026', 0x86: '\u2020', 0x87: '\u2021', 0x88: '\u02c6', 0x89: '\u2030', 0x8a: '\u0160',
  0x8b: '\u2039', 0x8c: '\u0152', 0x8d: '\x8d', 0x8e: '\u017d', 0x8f: '\x8f', 0x90: '\x90', 0x91: '\u2018',
  0x92: '\u2019', 0x93: '\u201c', 0x94: '\u201d', 0x95: '\u2022', 0x96: '\u2013', 0x97: '\u2014',
  0x98: '\u02dc', 0x99: '\u2122', 0x9a: '\u0161', 0x9b: '\u203a', 0x9c: '\u0153', 0x9d: '\x9d',
  0x9e: '\u017e', 0x9f: '\u0178',
};

/** html.unescape: numeric references fully, named ones from the table above. */
export function unescapeHtml(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const num = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (num in INVALID_CHARREFS) return INVALID_CHARREFS[num];
      if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) return '\ufffd';
      return String.fromCodePoint(num);
    }
    const name = ref.endsWith(';') ? ref.slice(0, -1) : ref;
    const hit = NAMED[name];
    if (hit !== undefined) return hit;
    return whole;
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
