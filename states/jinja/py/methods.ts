/**
 * The Python methods templates call on str, list, tuple, dict, int and float values
 * (`'a,b'.split(',')`, `{% do l.append(x) %}`, `d.items()`): getattr returns them as
 * PyFunctions bound to the value. List and dict methods mutate in place, like Python.
 * Argument checking and error messages follow CPython 3.11. A method Python has but umec
 * does not implement fails with NotProvided when called; an unknown name is no attribute.
 */
import { JinjaError, notProvided, typeError, valueError } from '../errors.js';
import { PyFloat, PyFunction, PyObject, Tuple, type Dict, type Kwargs, type Value } from '../values.js';
import {
  call, chars, contains, dictDelete, dictGet, dictHas, dictSet, iterate, len, numValue, pyCmp, pyEq,
  pyRepr, strLen, truthy, typeName,
} from './ops.js';
import { strFormat } from './format.js';

type Method<T> = (self: T, args: Value[], kwargs: Kwargs) => Value;

const keyError = (k: Value): JinjaError => new JinjaError('KeyError', pyRepr(k));
const indexError = (msg: string): JinjaError => new JinjaError('IndexError', msg);
const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;

// ---------------------------------------------------------------- argument parsing

/**
 * CPython's three calling conventions, each with its own messages:
 *  'pos'  positional only (Argument Clinic): "strip expected at most 1 argument, got 2"
 *  'kw'   keywords allowed: "split() takes at most 2 arguments (3 given)"
 *  'old'  old-style positional only: "count() takes at least 1 argument (0 given)"
 */
interface Spec { owner: string; name: string; params: string[]; min: number; style: 'pos' | 'kw' | 'old' }

function parse(spec: Spec, args: Value[], kwargs: Kwargs): (Value | undefined)[] {
  const { owner, name, params, min, style } = spec;
  const max = params.length;
  const n = args.length;
  if (style !== 'kw' && kwargs.size > 0) throw typeError(`${owner}.${name}() takes no keyword arguments`);
  if (n > max || (style !== 'kw' && n < min)) {
    if (max === 0) throw typeError(`${owner}.${name}() takes no arguments (${n} given)`);
    if (style === 'pos') {
      if (min === max) {
        if (max === 1) throw typeError(`${owner}.${name}() takes exactly one argument (${n} given)`);
        throw typeError(`${name} expected ${plural(max, 'argument')}, got ${n}`);
      }
      if (n > max) throw typeError(`${name} expected at most ${plural(max, 'argument')}, got ${n}`);
      throw typeError(`${name} expected at least ${plural(min, 'argument')}, got ${n}`);
    }
    if (n > max) throw typeError(`${name}() takes at most ${plural(max, 'argument')} (${n} given)`);
    throw typeError(`${name}() takes at least ${plural(min, 'argument')} (${n} given)`);
  }
  const out: (Value | undefined)[] = [...args];
  while (out.length < max) out.push(undefined);
  for (const [k, v] of kwargs) {
    const i = params.indexOf(k);
    if (i < 0) throw typeError(`'${k}' is an invalid keyword argument for ${name}()`);
    if (i < n) throw typeError(`argument for ${name}() given by name ('${k}') and position (${i + 1})`);
    out[i] = v;
  }
  for (let i = 0; i < min; i++) {
    if (out[i] === undefined) throw typeError(`${name}() missing required argument '${params[i]}' (pos ${i + 1})`);
  }
  return out;
}

/** An int argument (bool counts); None/absent gives `dflt`. */
function intArg(v: Value | undefined, dflt: number, noneOk = false): number {
  if (v === undefined || (noneOk && v === null)) return dflt;
  if (typeof v === 'number' || typeof v === 'boolean') return Number(v);
  throw typeError(`'${typeName(v)}' object cannot be interpreted as an integer`);
}
function strArg(v: Value | undefined, msg: (t: string) => string): string {
  if (typeof v === 'string') return v;
  throw typeError(msg(typeName(v ?? null)));
}

// ---------------------------------------------------------------- str helpers

/** str.isspace() characters (also what split()/strip() without arguments use). */
const WS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WS_CHAR = new RegExp(`[${WS}]`);
const IS_SPACE = new RegExp(`^[${WS}]+$`);
/** str.splitlines() boundaries. */
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
const DIGIT_EXTRA = '\\u00b2\\u00b3\\u00b9\\u1369-\\u1371\\u19da\\u2070\\u2074-\\u2079\\u2080-\\u2089\\u2460-\\u2468\\u2474-\\u247c\\u2488-\\u2490\\u24ea\\u24f5-\\u24fd\\u24ff\\u2776-\\u277e\\u2780-\\u2788\\u278a-\\u2792\\u{10a40}-\\u{10a43}\\u{10e60}-\\u{10e68}\\u{11052}-\\u{1105a}\\u{1f100}-\\u{1f10a}';
const NUMERIC_EXTRA = '\\u3007\\u4e00\\u4e8c\\u4e09\\u56db\\u4e94\\u516d\\u4e03\\u516b\\u4e5d\\u5341\\u767e\\u5343\\u4e07\\u5104\\u5146\\u96f6\\u58f9\\u8cb3\\u53c3\\u8086\\u4f0d\\u9678\\u67d2\\u634c\\u7396\\u62fe\\u4f70\\u4edf\\u5169\\u5eff\\u5345';
const IS = {
  decimal: /^\p{Nd}+$/u,
  digit: new RegExp(`^[\\p{Nd}${DIGIT_EXTRA}]+$`, 'u'),
  numeric: new RegExp(`^[\\p{N}${NUMERIC_EXTRA}]+$`, 'u'),
  alpha: /^\p{L}+$/u,
  alnum: new RegExp(`^[\\p{L}\\p{N}${NUMERIC_EXTRA}]+$`, 'u'),
  ascii: /^[\x00-\x7f]*$/,
  identifier: /^[\p{XID_Start}_][\p{XID_Continue}]*$/u,
  printable: /^[^\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]*$/u,
};
const UPPER = /\p{Uppercase}/u;
const LOWER = /\p{Lowercase}/u;
const TITLE = /\p{Lt}/u;
const CASED = /\p{Cased}/u;

const TITLE_MAP: Record<string, string> = {
  '\u01c4': '\u01c5', '\u01c5': '\u01c5', '\u01c6': '\u01c5', '\u01c7': '\u01c8', '\u01c8': '\u01c8', '\u01c9': '\u01c8',
  '\u01ca': '\u01cb', '\u01cb': '\u01cb', '\u01cc': '\u01cb', '\u01f1': '\u01f2', '\u01f2': '\u01f2', '\u01f3': '\u01f2',
};
function toTitle(c: string): string {
  const t = TITLE_MAP[c];
  if (t) return t;
  const u = [...c.toUpperCase()];
  // a multi-letter uppercase (ß -> SS, ligatures) titles as one capital and lowercase letters; 'ŉ' -> 'ʼN' stays
  return u.length > 1 && CASED.test(u[0]) ? u[0] + u.slice(1).join('').toLowerCase() : u.join('');
}

const CASE_IGNORABLE = /\p{Case_Ignorable}/u;
/** Python's lower() of cs[i] in context: a capital sigma at the end of a word becomes final sigma. */
function lowerAt(cs: string[], i: number): string {
  const c = cs[i];
  if (c !== '\u03a3') return c.toLowerCase();
  let j = i - 1;
  while (j >= 0 && CASE_IGNORABLE.test(cs[j])) j--;
  const before = j >= 0 && CASED.test(cs[j]);
  let k = i + 1;
  while (k < cs.length && CASE_IGNORABLE.test(cs[k])) k++;
  const after = k < cs.length && CASED.test(cs[k]);
  return before && !after ? '\u03c2' : '\u03c3';
}
const FOLD_MAP: Record<string, string> = {
  '\u03c2': '\u03c3', '\u017f': 's', '\u1e9e': 'ss', '\u00b5': '\u03bc', '\u0345': '\u03b9', '\u03d0': '\u03b2', '\u03d1': '\u03b8',
  '\u03d5': '\u03c6', '\u03d6': '\u03c0', '\u03f0': '\u03ba', '\u03f1': '\u03c1', '\u03f5': '\u03b5', '\u1e9b': '\u1e61', '\u1fbe': '\u03b9',
};
function casefold(s: string): string {
  let out = '';
  for (const c of s) {
    const f = FOLD_MAP[c];
    if (f) { out += f; continue; }
    const u = c.toUpperCase();
    out += [...u].length > 1 ? u.toLowerCase() : c.toLowerCase();
  }
  return out;
}

function title(s: string): string {
  const cs = [...s];
  let out = '';
  let prevCased = false;
  cs.forEach((c, i) => {
    out += prevCased ? lowerAt(cs, i) : toTitle(c);
    prevCased = CASED.test(c);
  });
  return out;
}
function istitle(s: string): boolean {
  let cased = false;
  let prev = false;
  for (const c of s) {
    if (UPPER.test(c) || TITLE.test(c)) { if (prev) return false; prev = true; cased = true; }
    else if (LOWER.test(c)) { if (!prev) return false; prev = true; cased = true; }
    else prev = false;
  }
  return cased;
}
function isCaseOnly(s: string, want: RegExp, other: RegExp): boolean {
  let cased = false;
  for (const c of s) {
    if (other.test(c) || TITLE.test(c)) return false;
    if (want.test(c)) cased = true;
  }
  return cased;
}

/** Python's start/end adjustment for find/count/startswith (code point positions). */
function adjust(n: number, start: Value | undefined, end: Value | undefined): [number, number] {
  const idx = (v: Value | undefined, d: number): number => {
    if (v === undefined || v === null) return d;
    if (typeof v === 'number' || typeof v === 'boolean') return Number(v);
    throw typeError('slice indices must be integers or None or have an __index__ method');
  };
  let s = idx(start, 0);
  let e = idx(end, n);
  if (e > n) e = n; else if (e < 0) { e += n; if (e < 0) e = 0; }
  if (s < 0) { s += n; if (s < 0) s = 0; }
  return [s, e];
}

/** A str as code points with conversions between code point and UTF-16 positions. */
class CP {
  readonly cs: string[];
  readonly simple: boolean;
  constructor(readonly s: string) {
    this.cs = chars(s);
    this.simple = this.cs.length === s.length;
  }
  get length(): number { return this.cs.length; }
  unit(i: number): number { return this.simple ? i : this.cs.slice(0, i).join('').length; }
  point(u: number): number { return this.simple ? u : chars(this.s.slice(0, u)).length; }
  /** Position of sub in [start, end) from the left (or right), -1 when absent. */
  find(sub: string, start: Value | undefined, end: Value | undefined, right: boolean): number {
    const [s, e] = adjust(this.length, start, end);
    const subLen = strLen(sub);
    if (s > this.length || e - s < subLen) return -1;
    const us = this.unit(s);
    const ue = this.unit(e);
    const hay = this.s.slice(us, ue);
    const u = right ? hay.lastIndexOf(sub) : hay.indexOf(sub);
    return u < 0 ? -1 : this.point(us + u);
  }
  count(sub: string, start: Value | undefined, end: Value | undefined): number {
    const [s, e] = adjust(this.length, start, end);
    if (s > this.length || e - s < strLen(sub)) return 0;
    if (sub === '') return e - s + 1;
    return this.s.slice(this.unit(s), this.unit(e)).split(sub).length - 1;
  }
}

function pad(s: string, width: number, fill: string, where: 'l' | 'r' | 'c'): string {
  const n = strLen(s);
  if (width <= n) return s;
  const marg = width - n;
  if (where === 'l') return s + fill.repeat(marg);
  if (where === 'r') return fill.repeat(marg) + s;
  const left = Math.floor(marg / 2) + (marg & width & 1);
  return fill.repeat(left) + s + fill.repeat(marg - left);
}
function fillArg(v: Value | undefined, _name: string): string {
  if (v === undefined) return ' ';
  if (typeof v !== 'string') throw typeError(`The fill character must be a unicode character, not ${typeName(v)}`);
  if (strLen(v) !== 1) throw typeError('The fill character must be exactly one character long');
  return v;
}

function stripChars(v: Value | undefined, name: string): ((c: string) => boolean) {
  if (v === undefined || v === null) return (c) => WS_CHAR.test(c);
  if (typeof v !== 'string') throw typeError(`${name} arg must be None or str`);
  const set = new Set(chars(v));
  return (c) => set.has(c);
}
function strip(s: string, test: (c: string) => boolean, left: boolean, right: boolean): string {
  const cs = chars(s);
  let a = 0;
  let b = cs.length;
  if (left) while (a < b && test(cs[a])) a++;
  if (right) while (b > a && test(cs[b - 1])) b--;
  return cs.slice(a, b).join('');
}

function splitWhitespace(s: string, maxsplit: number, fromRight: boolean): string[] {
  const cs = chars(s);
  const out: string[] = [];
  if (!fromRight) {
    let i = 0;
    const n = cs.length;
    while (true) {
      while (i < n && WS_CHAR.test(cs[i])) i++;
      if (i >= n) break;
      if (maxsplit >= 0 && out.length === maxsplit) { out.push(cs.slice(i).join('')); break; }
      const j0 = i;
      while (i < n && !WS_CHAR.test(cs[i])) i++;
      out.push(cs.slice(j0, i).join(''));
    }
    return out;
  }
  let i = cs.length;
  while (true) {
    while (i > 0 && WS_CHAR.test(cs[i - 1])) i--;
    if (i <= 0) break;
    if (maxsplit >= 0 && out.length === maxsplit) { out.push(cs.slice(0, i).join('')); break; }
    const j0 = i;
    while (i > 0 && !WS_CHAR.test(cs[i - 1])) i--;
    out.push(cs.slice(i, j0).join(''));
  }
  return out.reverse();
}
function splitSep(s: string, sep: string, maxsplit: number, fromRight: boolean): string[] {
  if (sep === '') throw valueError('empty separator');
  const parts = s.split(sep);
  if (maxsplit < 0 || parts.length - 1 <= maxsplit) return parts;
  if (!fromRight) return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
  const k = parts.length - maxsplit;
  return [parts.slice(0, k).join(sep), ...parts.slice(k)];
}

function prefixTest(self: string, a: (Value | undefined)[], name: 'startswith' | 'endswith'): boolean {
  const [what, start, end] = a;
  const cp = new CP(self);
  const [s, e] = adjust(cp.length, start, end);
  const one = (p: Value): boolean => {
    if (typeof p !== 'string') throw typeError(`tuple for ${name} must only contain str, not ${typeName(p)}`);
    const pl = strLen(p);
    if (s > cp.length || e - s < pl) return false;
    const seg = cp.cs.slice(s, e).join('');
    return name === 'startswith' ? seg.startsWith(p) : seg.endsWith(p);
  };
  if (what instanceof Tuple) return what.some(one);
  if (typeof what !== 'string') throw typeError(`${name} first arg must be str or a tuple of str, not ${typeName(what ?? null)}`);
  return one(what);
}

function expandtabs(s: string, tab: number): string {
  let out = '';
  let col = 0;
  for (const c of s) {
    if (c === '\t') {
      if (tab > 0) { const n = tab - (col % tab); out += ' '.repeat(n); col += n; }
    } else {
      out += c;
      col = c === '\n' || c === '\r' ? 0 : col + 1;
    }
  }
  return out;
}

function replace(s: string, old: string, rep: string, count: number): string {
  if (count < 0) count = Infinity;
  if (old === '') {
    const cs = chars(s);
    let out = '';
    let k = 0;
    for (let i = 0; i <= cs.length; i++) {
      if (k < count) { out += rep; k++; }
      if (i < cs.length) out += cs[i];
    }
    return out;
  }
  const parts = s.split(old);
  if (parts.length - 1 <= count) return parts.join(rep);
  return parts.slice(0, count + 1).join(rep) + old + parts.slice(count + 1).join(old);
}

function zfill(s: string, width: number): string {
  const n = strLen(s);
  if (width <= n) return s;
  const fill = '0'.repeat(width - n);
  if (s[0] === '+' || s[0] === '-') return s[0] + fill + s.slice(1);
  return fill + s;
}

function partition(s: string, sep: Value | undefined, right: boolean): Tuple {
  if (typeof sep !== 'string') throw typeError(`must be str, not ${typeName(sep ?? null)}`);
  if (sep === '') throw valueError('empty separator');
  const i = right ? s.lastIndexOf(sep) : s.indexOf(sep);
  if (i < 0) return Tuple.make(right ? ['', '', s] : [s, '', '']);
  return Tuple.make([s.slice(0, i), sep, s.slice(i + sep.length)]);
}

const isStrFn = (name: string, re: RegExp): Method<string> => (s, a, k) => {
  parse({ owner: 'str', name, params: [], min: 0, style: 'pos' }, a, k);
  return s.length > 0 && re.test(s);
};
const noArgs = <T>(owner: string, name: string, f: (self: T) => Value): Method<T> => (s, a, k) => {
  parse({ owner, name, params: [], min: 0, style: 'pos' }, a, k);
  return f(s);
};
const mustStr = (t: string): string => `must be str, not ${t}`;


// ---------------------------------------------------------------- the item protocol (`{% do d.__setitem__(k, v) %}`)

function seqPos(seq: ArrayLike<unknown>, i: Value | undefined, kind: string, what: string): number {
  if (typeof i !== 'number' && typeof i !== 'boolean') {
    if (kind === 'str') throw typeError(`string indices must be integers, not '${typeName(i ?? null)}'`);
    throw typeError(`${kind} indices must be integers or slices, not ${typeName(i ?? null)}`);
  }
  let at = Number(i);
  if (at < 0) at += seq.length;
  if (at < 0 || at >= seq.length) throw indexError(`${kind === 'str' ? 'string' : kind} ${what} out of range`);
  return at;
}
const dunderArgs = (owner: string, name: string, n: number, a: Value[], k: Kwargs): (Value | undefined)[] => {
  if (k.size > 0) throw typeError(`${owner}.${name}() takes no keyword arguments`);
  if (a.length !== n) {
    if (name === '__getitem__' && (owner === 'list' || owner === 'dict')) throw typeError(`${owner}.__getitem__() takes exactly one argument (${a.length} given)`);
    throw typeError(`${name === '__setitem__' ? ' ' : ''}expected ${plural(n, 'argument')}, got ${a.length}`);
  }
  return a;
};
function itemProtocol<T extends Value>(owner: string, get: (self: T, key: Value) => Value): Record<string, Method<T>> {
  return {
    __getitem__: (self, a, k) => get(self, dunderArgs(owner, '__getitem__', 1, a, k)[0]!),
    __contains__: (self, a, k) => contains(self, dunderArgs(owner, '__contains__', 1, a, k)[0]!),
    __len__: (self, a, k) => { dunderArgs(owner, '__len__', 0, a, k); return len(self); },
  };
}
const seqGet = (seq: Value[] | string, key: Value): Value => {
  const kind = typeName(seq);
  const items = typeof seq === 'string' ? chars(seq) : seq;
  return items[seqPos(items, key, kind, 'index')]!;
};

const STR: Record<string, Method<string>> = {
  ...itemProtocol<string>('str', seqGet),
  upper: noArgs('str', 'upper', (s) => s.toUpperCase()),
  lower: noArgs('str', 'lower', (s) => s.toLowerCase()),
  casefold: noArgs('str', 'casefold', casefold),
  title: noArgs('str', 'title', title),
  capitalize: noArgs('str', 'capitalize', (s) => {
    const cs = chars(s);
    return cs.length ? toTitle(cs[0]) + cs.slice(1).map((_, i) => lowerAt(cs, i + 1)).join('') : '';
  }),
  swapcase: noArgs('str', 'swapcase', (s) => {
    const cs = [...s];
    return cs.map((c, i) => (UPPER.test(c) ? lowerAt(cs, i) : LOWER.test(c) ? c.toUpperCase() : c)).join('');
  }),
  strip: (s, a, k) => strip(s, stripChars(parse({ owner: 'str', name: 'strip', params: ['chars'], min: 0, style: 'pos' }, a, k)[0], 'strip'), true, true),
  lstrip: (s, a, k) => strip(s, stripChars(parse({ owner: 'str', name: 'lstrip', params: ['chars'], min: 0, style: 'pos' }, a, k)[0], 'lstrip'), true, false),
  rstrip: (s, a, k) => strip(s, stripChars(parse({ owner: 'str', name: 'rstrip', params: ['chars'], min: 0, style: 'pos' }, a, k)[0], 'rstrip'), false, true),
  split: (s, a, k) => splitMethod(s, a, k, 'split'),
  rsplit: (s, a, k) => splitMethod(s, a, k, 'rsplit'),
  splitlines: (s, a, k) => {
    const [ke] = parse({ owner: 'str', name: 'splitlines', params: ['keepends'], min: 0, style: 'kw' }, a, k);
    const keep = ke === undefined ? false : truthy(ke);
    const out: string[] = [];
    let last = 0;
    for (const m of s.matchAll(LINE_BREAK)) {
      out.push(s.slice(last, keep ? m.index + m[0].length : m.index));
      last = m.index + m[0].length;
    }
    if (last < s.length) out.push(s.slice(last));
    return out;
  },
  startswith: (s, a, k) => prefixTest(s, parse({ owner: 'str', name: 'startswith', params: ['prefix', 'start', 'end'], min: 1, style: 'old' }, a, k), 'startswith'),
  endswith: (s, a, k) => prefixTest(s, parse({ owner: 'str', name: 'endswith', params: ['suffix', 'start', 'end'], min: 1, style: 'old' }, a, k), 'endswith'),
  join: (s, a, k) => {
    const [it] = parse({ owner: 'str', name: 'join', params: ['iterable'], min: 1, style: 'pos' }, a, k);
    const items = iterate(it!);
    return items.map((x, i) => {
      if (typeof x !== 'string') throw typeError(`sequence item ${i}: expected str instance, ${typeName(x)} found`);
      return x;
    }).join(s);
  },
  replace: (s, a, k) => {
    const [o, n, c] = parse({ owner: 'str', name: 'replace', params: ['old', 'new', 'count'], min: 2, style: 'pos' }, a, k);
    const old = strArg(o, (t) => `replace() argument 1 must be str, not ${t}`);
    const rep = strArg(n, (t) => `replace() argument 2 must be str, not ${t}`);
    return replace(s, old, rep, intArg(c, -1));
  },
  find: (s, a, k) => findMethod(s, a, k, 'find', false, false),
  rfind: (s, a, k) => findMethod(s, a, k, 'rfind', true, false),
  index: (s, a, k) => findMethod(s, a, k, 'index', false, true),
  rindex: (s, a, k) => findMethod(s, a, k, 'rindex', true, true),
  count: (s, a, k) => {
    const [sub, st, en] = parse({ owner: 'str', name: 'count', params: ['sub', 'start', 'end'], min: 1, style: 'old' }, a, k);
    return new CP(s).count(strArg(sub, mustStr), st, en);
  },
  isdigit: isStrFn('isdigit', IS.digit),
  isdecimal: isStrFn('isdecimal', IS.decimal),
  isnumeric: isStrFn('isnumeric', IS.numeric),
  isalpha: isStrFn('isalpha', IS.alpha),
  isalnum: isStrFn('isalnum', IS.alnum),
  isspace: isStrFn('isspace', IS_SPACE),
  isidentifier: isStrFn('isidentifier', IS.identifier),
  isascii: noArgs('str', 'isascii', (s) => IS.ascii.test(s)),
  isprintable: noArgs('str', 'isprintable', (s) => IS.printable.test(s.replace(/ /g, ''))),
  islower: noArgs('str', 'islower', (s) => isCaseOnly(s, LOWER, UPPER)),
  isupper: noArgs('str', 'isupper', (s) => isCaseOnly(s, UPPER, LOWER)),
  istitle: noArgs('str', 'istitle', istitle),
  zfill: (s, a, k) => zfill(s, intArg(parse({ owner: 'str', name: 'zfill', params: ['width'], min: 1, style: 'pos' }, a, k)[0], 0)),
  ljust: (s, a, k) => justify(s, a, k, 'ljust', 'l'),
  rjust: (s, a, k) => justify(s, a, k, 'rjust', 'r'),
  center: (s, a, k) => justify(s, a, k, 'center', 'c'),
  partition: (s, a, k) => partition(s, parse({ owner: 'str', name: 'partition', params: ['sep'], min: 1, style: 'pos' }, a, k)[0], false),
  rpartition: (s, a, k) => partition(s, parse({ owner: 'str', name: 'rpartition', params: ['sep'], min: 1, style: 'pos' }, a, k)[0], true),
  expandtabs: (s, a, k) => expandtabs(s, intArg(parse({ owner: 'str', name: 'expandtabs', params: ['tabsize'], min: 0, style: 'kw' }, a, k)[0], 8)),
  removeprefix: (s, a, k) => {
    const p = strArg(parse({ owner: 'str', name: 'removeprefix', params: ['prefix'], min: 1, style: 'pos' }, a, k)[0], (t) => `removeprefix() argument must be str, not ${t}`);
    return p && s.startsWith(p) ? s.slice(p.length) : s;
  },
  removesuffix: (s, a, k) => {
    const p = strArg(parse({ owner: 'str', name: 'removesuffix', params: ['suffix'], min: 1, style: 'pos' }, a, k)[0], (t) => `removesuffix() argument must be str, not ${t}`);
    return p && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  },
  format: (s, a, k) => strFormat(s, a, k),
  format_map: (s, a, k) => {
    const [m] = parse({ owner: 'str', name: 'format_map', params: ['mapping'], min: 1, style: 'pos' }, a, k);
    return strFormat(s, [], new Map(), m);
  },
};

function splitMethod(s: string, a: Value[], k: Kwargs, name: 'split' | 'rsplit'): string[] {
  const [sep, ms] = parse({ owner: 'str', name, params: ['sep', 'maxsplit'], min: 0, style: 'kw' }, a, k);
  const maxsplit = intArg(ms, -1);
  if (sep === undefined || sep === null) return splitWhitespace(s, maxsplit, name === 'rsplit');
  if (typeof sep !== 'string') throw typeError(`must be str or None, not ${typeName(sep)}`);
  return splitSep(s, sep, maxsplit, name === 'rsplit');
}
function findMethod(s: string, a: Value[], k: Kwargs, name: string, right: boolean, raise: boolean): number {
  const [sub, st, en] = parse({ owner: 'str', name, params: ['sub', 'start', 'end'], min: 1, style: 'old' }, a, k);
  const i = new CP(s).find(strArg(sub, mustStr), st, en, right);
  if (i < 0 && raise) throw valueError('substring not found');
  return i;
}
function justify(s: string, a: Value[], k: Kwargs, name: string, where: 'l' | 'r' | 'c'): string {
  const [w, f] = parse({ owner: 'str', name, params: ['width', 'fillchar'], min: 1, style: 'pos' }, a, k);
  return pad(s, intArg(w, 0), fillArg(f, name), where);
}

// ---------------------------------------------------------------- list and tuple

function seqIndexOf(self: Value[], a: Value[], k: Kwargs, owner: 'list' | 'tuple'): number {
  const [x, st, en] = parse({ owner, name: 'index', params: ['value', 'start', 'stop'], min: 1, style: 'pos' }, a, k);
  const [s, e] = adjust(self.length, st, en);
  for (let i = s; i < Math.min(e, self.length); i++) if (self[i] === x || pyEq(self[i], x!)) return i;
  throw valueError(owner === 'list' ? `${pyRepr(x!)} is not in list` : 'tuple.index(x): x not in tuple');
}
function seqCount(self: Value[], a: Value[], k: Kwargs, owner: 'list' | 'tuple'): number {
  const [x] = parse({ owner, name: 'count', params: ['value'], min: 1, style: 'pos' }, a, k);
  return self.filter((y) => y === x || pyEq(y, x!)).length;
}

/** list.sort(key=None, reverse=False): stable, Python's `<` (TypeError for mixed types). */
export function sortValues(items: Value[], key: Value | undefined, reverse: boolean): Value[] {
  const keyed = items.map((v) => ({ v, k: key === undefined || key === null ? v : call(key, [v], new Map()) }));
  // like CPython: reverse, stable sort, reverse (equal items keep their order; comparisons see the same pairs)
  if (reverse) keyed.reverse();
  keyed.sort((x, y) => pyCmp(x.k, y.k));
  if (reverse) keyed.reverse();
  return keyed.map((e) => e.v);
}

const LIST: Record<string, Method<Value[]>> = {
  ...itemProtocol<Value[]>('list', seqGet),
  __setitem__: (l, a, k) => { const [i, v] = dunderArgs('list', '__setitem__', 2, a, k); l[seqPos(l, i, 'list', 'assignment index')] = v!; return null; },
  __delitem__: (l, a, k) => { const [i] = dunderArgs('list', '__delitem__', 1, a, k); l.splice(seqPos(l, i, 'list', 'assignment index'), 1); return null; },
  append: (l, a, k) => { l.push(parse({ owner: 'list', name: 'append', params: ['object'], min: 1, style: 'pos' }, a, k)[0]!); return null; },
  extend: (l, a, k) => { const [it] = parse({ owner: 'list', name: 'extend', params: ['iterable'], min: 1, style: 'pos' }, a, k); l.push(...[...iterate(it!)]); return null; },
  insert: (l, a, k) => {
    const [i, x] = parse({ owner: 'list', name: 'insert', params: ['index', 'object'], min: 2, style: 'pos' }, a, k);
    let at = intArg(i, 0);
    if (at < 0) at = Math.max(0, at + l.length);
    l.splice(Math.min(at, l.length), 0, x!);
    return null;
  },
  pop: (l, a, k) => {
    const [i] = parse({ owner: 'list', name: 'pop', params: ['index'], min: 0, style: 'pos' }, a, k);
    if (l.length === 0) throw indexError('pop from empty list');
    let at = intArg(i, -1);
    if (at < 0) at += l.length;
    if (at < 0 || at >= l.length) throw indexError('pop index out of range');
    return l.splice(at, 1)[0]!;
  },
  remove: (l, a, k) => {
    const [x] = parse({ owner: 'list', name: 'remove', params: ['value'], min: 1, style: 'pos' }, a, k);
    const i = l.findIndex((y) => y === x || pyEq(y, x!));
    if (i < 0) throw valueError('list.remove(x): x not in list');
    l.splice(i, 1);
    return null;
  },
  index: (l, a, k) => seqIndexOf(l, a, k, 'list'),
  count: (l, a, k) => seqCount(l, a, k, 'list'),
  sort: (l, a, k) => {
    if (a.length > 0) throw typeError('sort() takes no positional arguments');
    const [key, rev] = parse({ owner: 'list', name: 'sort', params: ['key', 'reverse'], min: 0, style: 'kw' }, [], k);
    const sorted = sortValues(l, key, rev === undefined ? false : truthy(rev));
    l.splice(0, l.length, ...sorted);
    return null;
  },
  reverse: noArgs('list', 'reverse', (l) => { l.reverse(); return null; }),
  clear: noArgs('list', 'clear', (l) => { l.length = 0; return null; }),
  copy: noArgs('list', 'copy', (l) => [...l]),
};

const TUPLE: Record<string, Method<Tuple>> = {
  ...itemProtocol<Tuple>('tuple', seqGet),
  index: (t, a, k) => seqIndexOf(t, a, k, 'tuple'),
  count: (t, a, k) => seqCount(t, a, k, 'tuple'),
};

// ---------------------------------------------------------------- dict and its views

/** dict.keys()/values()/items(): live views that print like Python's and iterate. */
export class DictView extends PyObject {
  constructor(readonly dict: Dict, readonly kind: 'keys' | 'values' | 'items') { super(); }
  get typeName(): string { return `dict_${this.kind}`; }
  items(): Value[] {
    if (this.kind === 'keys') return [...this.dict.keys()];
    if (this.kind === 'values') return [...this.dict.values()];
    return [...this.dict].map(([k, v]) => Tuple.make([k, v]));
  }
  override iter(): Iterable<Value> { return this.items(); }
  len(): number { return this.dict.size; }
  override str(): string { return `${this.typeName}(${pyRepr(this.items())})`; }
  contains(x: Value): boolean {
    if (this.kind === 'keys') return dictHas(this.dict, x);
    if (this.kind === 'values') return this.items().some((v) => v === x || pyEq(v, x));
    if (!(x instanceof Tuple) || x.length !== 2) return false;
    const v = dictGet(this.dict, x[0]);
    return v !== undefined && (v === x[1] || pyEq(v, x[1]));
  }
  /** keys and items views compare like sets; values views only by identity. */
  eq(other: Value): boolean {
    if (this.kind === 'values' || !(other instanceof DictView) || other.kind === 'values') return other === this;
    return this.len() === other.len() && this.items().every((x) => other.contains(x));
  }
}

/** dict.update(other) / dict(other) semantics: a dict, a view/iterable of pairs. */
export function updateDict(d: Dict, other: Value): void {
  if (other instanceof Map) { for (const [k, v] of other) dictSet(d, k, v); return; }
  iterate(other).forEach((item, i) => {
    if (typeof item === 'string' ? false : !(Array.isArray(item) || item instanceof PyObject)) {
      throw typeError(`cannot convert dictionary update sequence element #${i} to a sequence`);
    }
    const pair = iterate(item);
    if (pair.length !== 2) throw valueError(`dictionary update sequence element #${i} has length ${pair.length}; 2 is required`);
    dictSet(d, pair[0], pair[1]);
  });
}

const DICT: Record<string, Method<Dict>> = {
  ...itemProtocol<Dict>('dict', (d, key) => { const v = dictGet(d, key); if (v === undefined) throw keyError(key); return v; }),
  __setitem__: (d, a, k) => { const [key, v] = dunderArgs('dict', '__setitem__', 2, a, k); dictSet(d, key!, v!); return null; },
  __delitem__: (d, a, k) => { const [key] = dunderArgs('dict', '__delitem__', 1, a, k); if (!dictDelete(d, key!)) throw keyError(key!); return null; },
  get: (d, a, k) => {
    const [key, dflt] = parse({ owner: 'dict', name: 'get', params: ['key', 'default'], min: 1, style: 'pos' }, a, k);
    const v = dictGet(d, key!);
    return v === undefined ? dflt ?? null : v;
  },
  keys: noArgs('dict', 'keys', (d) => new DictView(d, 'keys')),
  values: noArgs('dict', 'values', (d) => new DictView(d, 'values')),
  items: noArgs('dict', 'items', (d) => new DictView(d, 'items')),
  update: (d, a, k) => {
    if (a.length > 1) throw typeError(`update expected at most 1 argument, got ${a.length}`);
    if (a.length === 1) updateDict(d, a[0]);
    for (const [key, v] of k) dictSet(d, key, v);
    return null;
  },
  setdefault: (d, a, k) => {
    const [key, dflt] = parse({ owner: 'dict', name: 'setdefault', params: ['key', 'default'], min: 1, style: 'pos' }, a, k);
    const v = dictGet(d, key!);
    if (v !== undefined) return v;
    dictSet(d, key!, dflt ?? null);
    return dflt ?? null;
  },
  pop: (d, a, k) => {
    const [key, dflt] = parse({ owner: 'dict', name: 'pop', params: ['key', 'default'], min: 1, style: 'pos' }, a, k);
    const v = dictGet(d, key!);
    if (v === undefined) { if (dflt === undefined) throw keyError(key!); return dflt; }
    dictDelete(d, key!);
    return v;
  },
  popitem: noArgs('dict', 'popitem', (d) => {
    if (d.size === 0) throw new JinjaError('KeyError', "'popitem(): dictionary is empty'");
    const [key, v] = [...d].pop()!;
    d.delete(key);
    return Tuple.make([key, v]);
  }),
  copy: noArgs('dict', 'copy', (d) => new Map(d)),
  clear: noArgs('dict', 'clear', (d) => { d.clear(); return null; }),
  fromkeys: (_d, a, k) => {
    const [it, v] = parse({ owner: 'dict', name: 'fromkeys', params: ['iterable', 'value'], min: 1, style: 'pos' }, a, k);
    const out: Dict = new Map();
    for (const key of iterate(it!)) dictSet(out, key, v ?? null);
    return out;
  },
};

// ---------------------------------------------------------------- int and float

/** Attributes (not methods) of numbers: `x.real`. */
function numberAttr(v: number | boolean | PyFloat, name: string): Value | undefined {
  const isFloat = v instanceof PyFloat;
  const n = numValue(v)!;
  switch (name) {
    case 'real': return isFloat ? v : n;
    case 'imag': return isFloat ? new PyFloat(0) : 0;
    case 'numerator': return isFloat ? undefined : n;
    case 'denominator': return isFloat ? undefined : 1;
  }
  return undefined;
}
const INT: Record<string, Method<number>> = {
  conjugate: noArgs('int', 'conjugate', (n) => n),
  bit_length: noArgs('int', 'bit_length', (n) => (n === 0 ? 0 : Math.abs(n).toString(2).length)),
  bit_count: noArgs('int', 'bit_count', (n) => [...Math.abs(n).toString(2)].filter((c) => c === '1').length),
};
const FLOAT: Record<string, Method<PyFloat>> = {
  conjugate: noArgs('float', 'conjugate', (f) => f),
  is_integer: noArgs('float', 'is_integer', (f) => Number.isInteger(f.value)),
};

// ---------------------------------------------------------------- lookup

/** Every attribute name of Python 3.11's types (dir()), to tell "not provided" from "no such attribute". */
const PY_NAME_LISTS: Record<string, string> = {
  str: 'capitalize casefold center count encode endswith expandtabs find format format_map index isalnum isalpha isascii isdecimal isdigit isidentifier islower isnumeric isprintable isspace istitle isupper join ljust lower lstrip maketrans partition removeprefix removesuffix replace rfind rindex rjust rpartition rsplit rstrip split splitlines startswith strip swapcase title translate upper zfill',
  list: 'append clear copy count extend index insert pop remove reverse sort',
  tuple: 'count index',
  dict: 'clear copy fromkeys get items keys pop popitem setdefault update values',
  int: 'as_integer_ratio bit_count bit_length conjugate denominator from_bytes imag numerator real to_bytes',
  float: 'as_integer_ratio conjugate fromhex hex imag is_integer real',
};
let pyNames: Map<string, Set<string>> | undefined; // built on first use (no import-time work)
/**
 * Dunder attributes Python's objects have (object's own, and the protocol methods of
 * str/list/tuple/dict/int/float). A JavaScript name such as __proto__ is none of them.
 */
const PY_DUNDERS = new Set(('__class__ __delattr__ __dir__ __doc__ __eq__ __format__ __ge__ __getattribute__ __gt__ __hash__ '
  + '__init__ __init_subclass__ __le__ __lt__ __ne__ __new__ __reduce__ __reduce_ex__ __repr__ __setattr__ __sizeof__ '
  + '__str__ __subclasshook__ __getstate__ __add__ __contains__ __getitem__ __iter__ __len__ __mul__ __rmul__ __mod__ '
  + '__rmod__ __getnewargs__ __setitem__ __delitem__ __iadd__ __imul__ __reversed__ __class_getitem__ __or__ __ror__ '
  + '__ior__ __abs__ __and__ __bool__ __ceil__ __divmod__ __float__ __floor__ __floordiv__ __index__ __int__ __invert__ '
  + '__lshift__ __neg__ __pos__ __pow__ __radd__ __rand__ __rdivmod__ __rfloordiv__ __rlshift__ __round__ __rpow__ '
  + '__rrshift__ __rshift__ __rsub__ __rtruediv__ __rxor__ __sub__ __truediv__ __trunc__ __xor__').split(' '));
/** Python objects of any class have these (a Cycler's __init__, a macro's __class__). */
const OBJECT_DUNDERS = new Set('__class__ __delattr__ __dir__ __doc__ __eq__ __format__ __ge__ __getattribute__ __gt__ __hash__ __init__ __init_subclass__ __le__ __lt__ __ne__ __new__ __reduce__ __reduce_ex__ __repr__ __setattr__ __sizeof__ __str__ __subclasshook__ __dict__ __module__'.split(' '));
export const isObjectDunder = (name: string): boolean => OBJECT_DUNDERS.has(name);

function pyHas(type: string, name: string): boolean {
  if (PY_DUNDERS.has(name)) return true;
  pyNames ??= new Map(Object.entries(PY_NAME_LISTS).map(([t, l]) => [t, new Set(l.split(' '))]));
  return pyNames.get(type)!.has(name);
}

function bind<T>(table: Record<string, Method<T>>, self: T, owner: string, name: string): PyFunction | undefined {
  if (!Object.prototype.hasOwnProperty.call(table, name)) {
    if (!pyHas(owner, name)) return undefined;
    return new PyFunction(`${owner}.${name}`, () => { throw notProvided(`Python method ${owner}.${name}`); });
  }
  const m = table[name];
  return new PyFunction(`${owner}.${name}`, (args, kwargs) => m(self, args, kwargs));
}

/**
 * The Python attribute `name` of a str/list/tuple/dict/int/float value: a method bound to
 * the value, a number attribute (`real`), or undefined (JS) when Python has no such attribute.
 */
export function boundMethod(obj: Value, name: string): Value | undefined {
  if (typeof obj === 'string') return bind(STR, obj, 'str', name);
  if (obj instanceof Tuple) return bind(TUPLE, obj, 'tuple', name);
  if (Array.isArray(obj)) return bind(LIST, obj, 'list', name);
  if (obj instanceof Map) return bind(DICT, obj, 'dict', name);
  if (typeof obj === 'number' || typeof obj === 'boolean') {
    return numberAttr(obj, name) ?? bind(INT, Number(obj), typeof obj === 'boolean' ? 'int' : 'int', name);
  }
  if (obj instanceof PyFloat) return numberAttr(obj, name) ?? bind(FLOAT, obj, 'float', name);
  return undefined;
}

