/**
 * Python `re` patterns and replacement templates, run on JavaScript's RegExp.
 *
 * Salt's file.replace/comment/uncomment take Python regular expressions. The syntax mostly
 * overlaps with JavaScript's, but the same text can mean different things: `.` matches `\r` in
 * Python, `$` also matches before a final newline, `^`/`$` under MULTILINE only break on `\n`,
 * `(?P<n>...)` names groups, `(?i)` sets flags, `\A`/`\Z` anchor the whole text, and `\1` in the
 * replacement is a group. The translation below makes each of those explicit so the JavaScript
 * RegExp matches exactly where Python's would; what cannot be expressed is refused by name.
 */

/** Python's re flag values (re.IGNORECASE is 2, ...), as Salt's `flags` argument may give them. */
export const PY_FLAGS: Record<string, number> = {
  TEMPLATE: 1, T: 1, IGNORECASE: 2, I: 2, LOCALE: 4, L: 4, MULTILINE: 8, M: 8,
  DOTALL: 16, S: 16, UNICODE: 32, U: 32, VERBOSE: 64, X: 64, DEBUG: 128, ASCII: 256, A: 256,
};

const I = 2;
const M = 8;
const S = 16;
const X = 64;

/** Salt's `_get_flags`: an int, a flag name or a list of flag names, OR-ed together. */
export function pyFlags(flags: unknown): number {
  if (flags === undefined || flags === null) return 0;
  if (typeof flags === 'number') return flags;
  const names = Array.isArray(flags) ? flags : [flags];
  let out = 0;
  for (const n of names) {
    if (typeof n === 'number') { out |= n; continue; }
    const v = PY_FLAGS[String(n).toUpperCase()];
    if (v === undefined) throw new Error(`Invalid re flag given: ${String(n)}`);
    out |= v;
  }
  return out;
}

const INLINE_FLAG: Record<string, number> = { i: I, m: M, s: S, x: X, a: 256, u: 32, L: 4 };

export interface PyRegex {
  /** Global RegExp (for matchAll/replace). */
  re: RegExp;
  /** Group names to their numbers, for `\g<name>` in replacements. */
  groups: Map<string, number>;
  groupCount: number;
}

/** Compiles a Python pattern with Python flag bits to an equivalent global JavaScript RegExp. */
export function compilePy(pattern: string, flags = 0): PyRegex {
  let p = pattern;
  let f = flags;
  // global inline flags lead the pattern: (?imsx)
  for (;;) {
    const m = /^\(\?([aiLmsux]+)\)/.exec(p);
    if (!m) break;
    for (const c of m[1]) f |= INLINE_FLAG[c];
    p = p.slice(m[0].length);
  }
  const out: string[] = [];
  const groups = new Map<string, number>();
  let groupCount = 0;
  let i = 0;
  let inClass = false;
  const fail = (what: string): never => {
    throw new Error(`Python regular expression ${JSON.stringify(pattern)}: ${what} is not supported`);
  };
  while (i < p.length) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) throw new Error(`Python regular expression ${JSON.stringify(pattern)}: bad escape (end of pattern)`);
      if (!inClass && n === 'A') out.push('(?<![\\s\\S])');
      else if (!inClass && n === 'Z') out.push('(?![\\s\\S])');
      else if (n === 'N') fail('\\N{...}');
      else if (n === 'z' || n === 'G') throw new Error(`Python regular expression ${JSON.stringify(pattern)}: bad escape \\${n}`);
      else out.push(c + n);
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === ']' && !(out[out.length - 1] === '[' || out[out.length - 1] === '[^')) inClass = false;
      // JavaScript needs a literal '[' inside a class escaped only with the v flag; fine as is
      out.push(c);
      i++;
      continue;
    }
    if ((f & X) && /\s/.test(c)) { i++; continue; }
    if ((f & X) && c === '#') {
      while (i < p.length && p[i] !== '\n') i++;
      continue;
    }
    switch (c) {
      case '[':
        inClass = true;
        if (p[i + 1] === '^') { out.push('[^'); i += 2; } else { out.push('['); i++; }
        // a ']' right after '[' or '[^' is a literal in Python
        if (p[i] === ']') { out.push('\\]'); i++; }
        continue;
      case '.':
        out.push(f & S ? '[\\s\\S]' : '[^\\n]');
        i++;
        continue;
      case '^':
        out.push(f & M ? '(?<![^\\n])' : '(?<![\\s\\S])');
        i++;
        continue;
      case '$':
        out.push(f & M ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))');
        i++;
        continue;
      case '{': {
        // Python reads {,n} as {0,n}; JavaScript would read it literally
        const m = /^\{,(\d+)\}/.exec(p.slice(i));
        if (m) { out.push(`{0,${m[1]}}`); i += m[0].length; continue; }
        out.push(c);
        i++;
        continue;
      }
      case '(': {
        const rest = p.slice(i);
        let m: RegExpExecArray | null;
        if ((m = /^\(\?P<([A-Za-z_]\w*)>/.exec(rest))) {
          groupCount++;
          groups.set(m[1], groupCount);
          out.push(`(?<${m[1]}>`);
          i += m[0].length;
        } else if ((m = /^\(\?P=([A-Za-z_]\w*)\)/.exec(rest))) {
          out.push(`\\k<${m[1]}>`);
          i += m[0].length;
        } else if (rest.startsWith('(?#')) {
          const end = p.indexOf(')', i);
          i = end < 0 ? p.length : end + 1;
        } else if (/^\(\?[:=!]/.test(rest) || /^\(\?<[=!]/.test(rest)) {
          const len = rest[2] === '<' ? 4 : 3;
          out.push(rest.slice(0, len));
          i += len;
        } else if (rest.startsWith('(?<')) {
          fail('the group name syntax (?<name>...) (Python needs (?P<name>...))');
        } else if (rest.startsWith('(?>')) {
          fail('an atomic group (?>...)');
        } else if (rest.startsWith('(?(')) {
          fail('a conditional group (?(id)yes|no)');
        } else if (/^\(\?[-aiLmsux]+[:)]/.test(rest)) {
          fail(`the scoped or non-leading flag group ${/^\(\?[-aiLmsux]+[:)]/.exec(rest)![0]}`);
        } else if (rest.startsWith('(?')) {
          throw new Error(`Python regular expression ${JSON.stringify(pattern)}: unknown extension ${rest.slice(0, 3)}`);
        } else {
          groupCount++;
          out.push('(');
          i++;
        }
        continue;
      }
      case '*': case '+': case '?': case '}':
        // possessive quantifiers (Python 3.11) have no JavaScript form
        if (p[i + 1] === '+' && c !== '}') fail(`the possessive quantifier ${c}+`);
        out.push(c);
        i++;
        continue;
      default:
        out.push(c);
        i++;
    }
  }
  const jsFlags = `g${f & I ? 'i' : ''}`;
  try {
    return { re: new RegExp(out.join(''), jsFlags), groups, groupCount };
  } catch (e) {
    throw new Error(`Python regular expression ${JSON.stringify(pattern)} is invalid: ${(e as Error).message}`, { cause: e });
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };

type TemplatePart = string | number;

/** Parses a Python re.sub replacement template into literal text and group numbers. */
export function parseReplacement(repl: string, rx: PyRegex): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let lit = '';
  const push = (g: number) => {
    if (g > rx.groupCount) throw new Error(`invalid group reference ${g} in replacement ${JSON.stringify(repl)}`);
    if (lit) parts.push(lit);
    lit = '';
    parts.push(g);
  };
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i];
    if (c !== '\\') { lit += c; continue; }
    const n = repl[i + 1];
    if (n === undefined) throw new Error(`bad escape (end of replacement ${JSON.stringify(repl)})`);
    if (n === 'g') {
      const m = /^<([^>]*)>/.exec(repl.slice(i + 2));
      if (!m) throw new Error(`missing group name in replacement ${JSON.stringify(repl)}`);
      const name = m[1];
      let g: number;
      if (/^\d+$/.test(name)) g = Number(name);
      else if (rx.groups.has(name)) g = rx.groups.get(name)!;
      else throw new Error(`unknown group name '${name}' in replacement ${JSON.stringify(repl)}`);
      push(g);
      i += 1 + m[0].length;
    } else if (n === '0') {
      // \0 starts an octal escape of up to three digits
      const m = /^[0-7]{1,3}/.exec(repl.slice(i + 1))!;
      lit += String.fromCharCode(parseInt(m[0], 8));
      i += m[0].length;
    } else if (/[1-9]/.test(n)) {
      const three = /^[0-7]{3}/.exec(repl.slice(i + 1));
      if (three && /^[0-3]/.test(three[0])) {
        lit += String.fromCharCode(parseInt(three[0], 8));
        i += 3;
      } else {
        const m = /^\d\d?/.exec(repl.slice(i + 1))!;
        push(Number(m[0]));
        i += m[0].length;
      }
    } else if (SIMPLE_ESCAPES[n] !== undefined) {
      lit += SIMPLE_ESCAPES[n];
      i++;
    } else if (/[A-Za-z]/.test(n)) {
      throw new Error(`bad escape \\${n} in replacement ${JSON.stringify(repl)}`);
    } else {
      // Python keeps the backslash of an escape it does not know
      lit += `\\${n}`;
      i++;
    }
  }
  if (lit) parts.push(lit);
  return parts;
}

/** Python's re.subn(pattern, repl, text, count): the new text and how many replacements were made. */
export function pySubn(rx: PyRegex, repl: string, text: string, count = 0): [string, number] {
  const tpl = parseReplacement(repl, rx);
  let n = 0;
  rx.re.lastIndex = 0;
  const out = text.replace(rx.re, (...args: unknown[]) => {
    const match = args[0] as string;
    if (count > 0 && n >= count) return match;
    n++;
    return tpl.map((t) => (typeof t === 'number' ? ((t === 0 ? match : args[t] as string | undefined) ?? '') : t)).join('');
  });
  return [out, n];
}

/** Python's re.search: whether the pattern matches anywhere. */
export function pySearch(rx: PyRegex, text: string): boolean {
  rx.re.lastIndex = 0;
  const hit = rx.re.test(text);
  rx.re.lastIndex = 0;
  return hit;
}

/** Python's re.escape (3.7+): escapes every character that is special in a pattern. */
export function pyEscape(s: string): string {
  return s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => `\\${c}`);
}
