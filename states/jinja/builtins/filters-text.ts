/**
 * String filters. Autoescape is off in Salt, so there is no Markup type: escape, forceescape
 * and safe return plain strings.
 */
import type { FilterFn } from '../api.js';
import { JinjaError, typeError, valueError } from '../errors.js';
import { binop, pyRepr, typeName } from '../py/ops.js';
import { PyObject, Tuple, Undefined, type Value } from '../values.js';
import { escapeHtml, striptags as stripTags, urlize as urlizeText, urlQuote } from './html.js';
import {
  asInt, bind, bool, failUndefined, filterArgumentError, iter, PY_WHITESPACE, pyIndex, pyLen, REQUIRED, splitlines, str, strip, toList,
} from './support.js';
import { wrap } from './textwrap.js';

/** A filter of the value's str() alone. */
const textFilter = (name: string, fn: (s: string) => string): FilterFn => (env, value, args, kwargs) => {
  bind(name, args, kwargs, []);
  return fn(str(env, value));
};
const cps = (s: string): string[] => Array.from(s);

const capitalize = textFilter('do_capitalize', (s) => {
  const c = cps(s);
  return c.length ? c[0].toUpperCase() + c.slice(1).join('').toLowerCase() : '';
});

const lower = textFilter('do_lower', (s) => s.toLowerCase());
const upper = textFilter('do_upper', (s) => s.toUpperCase());

const TITLE_SPLIT = new RegExp(`([-${PY_WHITESPACE}({\\[<]+)`, 'u');
const title = textFilter('do_title', (s) =>
  s.split(TITLE_SPLIT).filter((item) => item !== '').map((item) => {
    const c = cps(item);
    return c[0].toUpperCase() + c.slice(1).join('').toLowerCase();
  }).join(''));

const center: FilterFn = (env, value, args, kwargs) => {
  const [w] = bind('do_center', args, kwargs, [['width', 80]]);
  const s = str(env, value);
  const width = pyIndex(env, w);
  const n = cps(s).length;
  if (n >= width) return s;
  // CPython's str.center puts the odd space on the right unless both the margin and the width are odd
  const marg = width - n;
  const left = Math.floor(marg / 2) + (marg & width & 1);
  return ' '.repeat(left) + s + ' '.repeat(marg - left);
};

const trim: FilterFn = (env, value, args, kwargs) => {
  const [chars] = bind('do_trim', args, kwargs, [['chars', null]]);
  if (chars !== null && typeof chars !== 'string') throw typeError('strip arg must be None or str');
  return strip(str(env, value), chars);
};

const truncate: FilterFn = (env, value, args, kwargs) => {
  const [lengthV, killwords, endV, leewayV] = bind('do_truncate', args, kwargs, [['length', 255], ['killwords', false], ['end', '...'], ['leeway', null]]);
  const length = asInt(lengthV);
  const end = str(env, endV);
  const leeway = leewayV === null ? 5 : asInt(leewayV); // the "truncate.leeway" policy
  if (!(length >= cps(end).length)) throw new JinjaError('AssertionError', `expected length >= ${cps(end).length}, got ${length}`);
  if (!(leeway >= 0)) throw new JinjaError('AssertionError', `expected leeway >= 0, got ${leeway}`);
  if (pyLen(env, value) <= length + leeway) return value;
  if (typeof value !== 'string') throw typeError(`can only concatenate ${typeName(value)} (not "str") to ${typeName(value)}`);
  const s = cps(value);
  const cut = s.slice(0, Math.max(0, length - cps(end).length)).join('');
  if (bool(env, killwords)) return cut + end;
  const sp = cut.lastIndexOf(' ');
  return (sp < 0 ? cut : cut.slice(0, sp)) + end;
};

const WORD_RE = /[\p{L}\p{N}_]+/gu;
const wordcount: FilterFn = (env, value, args, kwargs) => {
  bind('do_wordcount', args, kwargs, []);
  return (str(env, value).match(WORD_RE) ?? []).length;
};

/** Python str.replace(old, new, count); count < 0 replaces all. */
export function pyReplace(s: string, old: string, repl: string, count: number): string {
  if (count === 0) return s;
  if (old === '') {
    const c = cps(s);
    let out = '';
    let n = 0;
    for (let i = 0; i <= c.length; i++) {
      if (count < 0 || n < count) { out += repl; n++; }
      if (i < c.length) out += c[i];
    }
    return out;
  }
  let out = '';
  let pos = 0;
  let n = 0;
  for (;;) {
    const i = s.indexOf(old, pos);
    if (i < 0 || (count >= 0 && n >= count)) break;
    out += s.slice(pos, i) + repl;
    pos = i + old.length;
    n++;
  }
  return out + s.slice(pos);
}

const replace: FilterFn = (env, value, args, kwargs) => {
  const [old, repl, count] = bind('do_replace', args, kwargs, [['old', REQUIRED], ['new', REQUIRED], ['count', null]]);
  const n = count === null ? -1 : pyIndex(env, count);
  return pyReplace(str(env, value), str(env, old), str(env, repl), n);
};

const indent: FilterFn = (env, value, args, kwargs) => {
  const [width, first, blank] = bind('do_indent', args, kwargs, [['width', 4], ['first', false], ['blank', false]]);
  const indention = typeof width === 'string' ? width : ' '.repeat(asInt(width));
  failUndefined(value);
  if (typeof value !== 'string') throw typeError(`unsupported operand type(s) for +=: '${typeName(value)}' and 'str'`);
  // Jinja2 appends a newline first so that splitlines keeps a trailing empty line
  const lines = splitlines(`${value}\n`);
  let rv: string;
  if (bool(env, blank)) {
    rv = lines.join(`\n${indention}`);
  } else {
    rv = lines.shift()!;
    if (lines.length) rv += `\n${lines.map((l) => (l ? indention + l : l)).join('\n')}`;
  }
  return bool(env, first) ? indention + rv : rv;
};

const format: FilterFn = (env, value, args, kwargs) => {
  if (args.length && kwargs.size) throw filterArgumentError("can't handle positional and keyword arguments at the same time");
  const operand: Value = kwargs.size ? new Map(kwargs) : Tuple.make(args);
  return binop('%', str(env, value), operand, env.strictUndefined);
};

const escape = textFilter('escape', escapeHtml);
const forceescape = textFilter('do_forceescape', escapeHtml);

const striptags = textFilter('do_striptags', stripTags);

const urlencode: FilterFn = (env, value, args, kwargs) => {
  bind('do_urlencode', args, kwargs, []);
  // isinstance(value, abc.Iterable): an Undefined is one (it has __iter__)
  const iterable = Array.isArray(value) || value instanceof Map || value instanceof Undefined || (value instanceof PyObject && value.iter() !== undefined);
  if (typeof value === 'string' || !iterable) return urlQuote(str(env, value), false);
  const items: Value[] = value instanceof Map ? [...value].map(([k, v]) => Tuple.make([k, v])) : toList(env, value);
  return items.map((item) => {
    const pair = toList(env, item);
    if (pair.length !== 2) throw valueError(`${pair.length > 2 ? 'too many values to unpack (expected 2)' : `not enough values to unpack (expected 2, got ${pair.length})`}`);
    return `${urlQuote(str(env, pair[0]), true)}=${urlQuote(str(env, pair[1]), true)}`;
  }).join('&');
};

const URI_SCHEME_RE = /^([\p{L}\p{N}_.+-]{2,}:(\/){0,2})$/u;

const urlize: FilterFn = (env, value, args, kwargs) => {
  const [trimUrlLimit, nofollow, target, rel, extraSchemes] = bind('do_urlize', args, kwargs, [
    ['trim_url_limit', null], ['nofollow', false], ['target', null], ['rel', null], ['extra_schemes', null],
  ]);
  const relParts = new Set(splitWs(rel === null ? '' : str(env, rel)));
  if (bool(env, nofollow)) relParts.add('nofollow');
  relParts.add('noopener'); // the "urlize.rel" policy
  const relText = [...relParts].sort().join(' ') || null;
  const schemes = extraSchemes === null ? [] : [...iter(env, extraSchemes)].map((s) => str(env, s));
  for (const s of schemes) {
    if (!URI_SCHEME_RE.test(s)) throw filterArgumentError(`'${s}' is not a valid URI scheme prefix.`);
  }
  return urlizeText(str(env, value), {
    trimUrlLimit: trimUrlLimit === null ? null : asInt(trimUrlLimit),
    rel: relText,
    target: target === null ? null : str(env, target),
    extraSchemes: schemes,
  });
};
const splitWs = (s: string): string[] => s.split(/\s+/u).filter(Boolean);

// Python's [\s/>=] under re.ASCII
const ATTR_KEY_RE = /[\t\n\v\f\r />=]/;

const xmlattr: FilterFn = (env, value, args, kwargs) => {
  const [autospace] = bind('do_xmlattr', args, kwargs, [['autospace', true]]);
  failUndefined(value);
  if (!(value instanceof Map)) throw new JinjaError('AttributeError', `'${typeName(value)}' object has no attribute 'items'`);
  const items: string[] = [];
  for (const [k, v] of value) {
    if (v === null || v instanceof Undefined) continue;
    if (typeof k !== 'string') throw typeError(`expected string or bytes-like object, got '${typeName(k)}'`);
    if (ATTR_KEY_RE.test(k)) throw valueError(`Invalid character in attribute name: ${pyRepr(k)}`);
    items.push(`${escapeHtml(k)}="${escapeHtml(str(env, v))}"`);
  }
  const rv = items.join(' ');
  return bool(env, autospace) && rv ? ` ${rv}` : rv;
};

const wordwrap: FilterFn = (env, value, args, kwargs) => {
  const [width, breakLongWords, wrapstring, breakOnHyphens] = bind('do_wordwrap', args, kwargs, [
    ['width', 79], ['break_long_words', true], ['wrapstring', null], ['break_on_hyphens', true],
  ]);
  const sep = wrapstring === null ? '\n' : str(env, wrapstring); // newline_sequence
  failUndefined(value);
  if (typeof value !== 'string') throw new JinjaError('AttributeError', `'${typeName(value)}' object has no attribute 'splitlines'`);
  const o = { width: asInt(width), breakLongWords: bool(env, breakLongWords), breakOnHyphens: bool(env, breakOnHyphens) };
  return splitlines(value).map((line) => wrap(line, o).join(sep)).join(sep);
};

export const textFilters: Record<string, FilterFn> = {
  capitalize, center, lower, upper, title, trim, truncate, wordcount, replace, indent, format,
  escape, e: escape, forceescape, striptags, urlencode, urlize, xmlattr, wordwrap,
  string: textFilter('soft_str', (s) => s), safe: textFilter('do_mark_safe', (s) => s),
};
