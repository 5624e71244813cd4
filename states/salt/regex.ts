/**
 * Python `re` patterns and replacement strings in JavaScript, for Salt's regex_* filters and
 * the `match` test. Covers what differs in practice: (?P<name>) groups and (?P=name) backrefs,
 * \A and \Z, `$` also matching before a final newline, leading inline flags (?imsx), and
 * Python's replacement syntax (\1, \g<1>, \g<name>).
 */
import { JinjaError } from '../jinja/errors.js';

export interface PyRegexFlags { ignorecase?: boolean; multiline?: boolean }

/** Translates a Python pattern; `anchored` gives re.match (at the start only). */
export function pyRegex(pattern: string, flags: PyRegexFlags = {}, global = false, anchored = false): RegExp {
  let f = '';
  let ignorecase = !!flags.ignorecase;
  let multiline = !!flags.multiline;
  let dotall = false;
  let src = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    src = src.slice(inline[0].length);
    if (inline[1].includes('i')) ignorecase = true;
    if (inline[1].includes('m')) multiline = true;
    if (inline[1].includes('s')) dotall = true;
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      if (!inClass && n === 'A') { out += '(?<![\\s\\S])'; i++; continue; }
      if (!inClass && n === 'Z') { out += '$(?![\\s\\S])'; i++; continue; }
      out += c + n;
      i++;
      continue;
    }
    if (inClass) { if (c === ']') inClass = false; out += c; continue; }
    if (c === '[') { inClass = true; out += c; if (src[i + 1] === '^') { out += '^'; i++; } if (src[i + 1] === ']') { out += '\\]'; i++; } continue; }
    if (c === '(' && src.startsWith('(?P<', i)) { out += '(?<'; i += 3; continue; }
    if (c === '(' && src.startsWith('(?P=', i)) {
      const end = src.indexOf(')', i);
      out += `\\k<${src.slice(i + 4, end)}>`;
      i = end;
      continue;
    }
    // Python's `$` (without MULTILINE) also matches just before a final newline
    if (c === '$' && !multiline) { out += '(?=\\n?$(?![\\s\\S]))'; continue; }
    out += c;
  }
  if (ignorecase) f += 'i';
  if (multiline) f += 'm';
  if (dotall) f += 's';
  if (global) f += 'g';
  if (anchored) f += 'y';
  try {
    return new RegExp(out, f);
  } catch (e) {
    throw new JinjaError('TemplateRuntimeError', `bad regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}

/** Python re.sub replacement template as a function of the match. */
export function pyReplacement(repl: string): (m: RegExpExecArray | string[], groups?: Record<string, string | undefined>) => string {
  const parts: (string | number | { name: string })[] = [];
  let lit = '';
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i];
    if (c !== '\\') { lit += c; continue; }
    const n = repl[i + 1];
    if (n === undefined) throw new JinjaError('TemplateRuntimeError', 'bad escape (end of pattern)');
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };
    if (n in simple) { lit += simple[n]; i++; continue; }
    if (/[0-9]/.test(n)) {
      const m = /^[0-9]{1,2}/.exec(repl.slice(i + 1))![0];
      parts.push(lit, Number(m)); lit = ''; i += m.length; continue;
    }
    if (n === 'g') {
      const m = /^g<([^>]*)>/.exec(repl.slice(i + 1));
      if (!m) throw new JinjaError('TemplateRuntimeError', 'missing group name in replacement');
      parts.push(lit, /^\d+$/.test(m[1]) ? Number(m[1]) : { name: m[1] }); lit = ''; i += m[0].length; continue;
    }
    if (/[A-Za-z]/.test(n)) throw new JinjaError('TemplateRuntimeError', `bad escape \\${n} in replacement`);
    lit += `\\${n}`; i++;
  }
  parts.push(lit);
  return (m, groups) => parts.map((p) => (typeof p === 'string' ? p : typeof p === 'number' ? m[p] ?? '' : groups?.[p.name] ?? '')).join('');
}

/** Python re.escape (3.7+): only the characters special in patterns. */
export function pyEscape(s: string): string {
  return s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => `\\${c}`);
}
