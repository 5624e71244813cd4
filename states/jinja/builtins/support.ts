/**
 * What the builtin filters, tests and globals share: Python-style argument binding,
 * Undefined handling (StrictUndefined fails on use, lenient Undefined acts empty), lazy
 * generators (map/select/... return generators in Jinja2, printed and counted as such),
 * Jinja2's attribute getters and Python's sorted().
 */
import type { EvalEnv } from '../api.js';
import { JinjaError, typeError } from '../errors.js';
import { compare, getitem, iterate, len, pyStr, truthy, typeName, undefinedError } from '../py/ops.js';
import { PyObject, Undefined, type Kwargs, type Value } from '../values.js';

export const filterArgumentError = (msg: string): JinjaError => new JinjaError('FilterArgumentError', msg);

/** A parameter without a default: binding fails when it is missing. */
export const REQUIRED: unique symbol = Symbol('required');
export type ParamSpec = readonly (readonly [name: string, dflt: Value | typeof REQUIRED])[];

/**
 * Binds positional and keyword arguments to parameters the way Python calls a function
 * (the filtered value itself is not among `params`). `fname` names the Python function in
 * error messages.
 */
export function bind(fname: string, args: readonly Value[], kwargs: Kwargs, params: ParamSpec): Value[] {
  if (args.length > params.length) {
    throw typeError(`${fname}() takes ${params.length === 0 ? 'no' : `up to ${params.length}`} arguments besides the value but ${args.length} were given`);
  }
  const out: (Value | typeof REQUIRED)[] = params.map(([, d], i) => (i < args.length ? args[i]! : d));
  for (const [k, v] of kwargs) {
    const i = params.findIndex(([n]) => n === k);
    if (i < 0) throw typeError(`${fname}() got an unexpected keyword argument '${k}'`);
    if (i < args.length) throw typeError(`${fname}() got multiple values for argument '${k}'`);
    out[i] = v;
  }
  const missing = params.filter((_, i) => out[i] === REQUIRED).map(([n]) => `'${n}'`);
  if (missing.length) throw typeError(`${fname}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${missing.join(' and ')}`);
  return out as Value[];
}

/** Fails on a StrictUndefined; a lenient Undefined passes (the caller treats it as empty). */
export function checkDefined(env: EvalEnv, v: Value): void {
  if (v instanceof Undefined && env.strictUndefined) throw undefinedError(v);
}

/** Fails on any Undefined: what Undefined does for int(), float(), getattr, getitem, calls. */
export function failUndefined(v: Value): void {
  if (v instanceof Undefined) throw undefinedError(v);
}

/** Python str(v) (markupsafe's soft_str): lenient Undefined is ''. */
export const str = (env: EvalEnv, v: Value): string => pyStr(v, env.strictUndefined);

/** Python bool(v). */
export const bool = (env: EvalEnv, v: Value): boolean => truthy(v, env.strictUndefined);

/** Python len(v): lenient Undefined has length 0. */
export function pyLen(env: EvalEnv, v: Value): number {
  if (v instanceof Undefined) { checkDefined(env, v); return 0; }
  return len(v);
}

/**
 * iter(v), lazily: a generator is consumed only as far as the caller goes (first() takes one
 * item), a list is walked live. Lenient Undefined iterates as empty.
 */
export function iter(env: EvalEnv, v: Value): Iterable<Value> {
  if (v instanceof Undefined) { checkDefined(env, v); return []; }
  if (Array.isArray(v)) return v;
  if (v instanceof PyObject) {
    const it = v.iter();
    if (it) return it;
    throw typeError(`'${typeName(v)}' object is not iterable`);
  }
  return iterate(v);
}

/** list(v) */
export const toList = (env: EvalEnv, v: Value): Value[] => [...iter(env, v)];

let generatorSerial = 0;

/**
 * A Python iterator object (generator, list_reverseiterator, ...): iterable once, always
 * true, no len(), printed as `<generator object NAME at 0x...>`.
 */
export class PyIterator extends PyObject {
  private readonly address = (0x7f0000000000 + (++generatorSerial) * 0x40).toString(16);
  constructor(readonly typeName: string, readonly funcName: string | undefined, private readonly source: Iterator<Value>) {
    super();
  }
  override iter(): Iterable<Value> {
    const source = this.source;
    return { [Symbol.iterator]: () => source };
  }
  override str(): string {
    return this.funcName ? `<${this.typeName} object ${this.funcName} at 0x${this.address}>` : `<${this.typeName} object at 0x${this.address}>`;
  }
}

/** A Python generator function's result: the body runs only when iterated. */
export function generator(funcName: string, body: () => Generator<Value, void, undefined>): PyIterator {
  let it: Generator<Value, void, undefined> | undefined;
  const lazy: Iterator<Value> = { next: () => (it ??= body()).next() };
  return new PyIterator('generator', funcName, lazy);
}

/** Jinja2's _prepare_attribute_parts: "a.0.b" looks up 'a', then 0, then 'b'. */
export function attributeParts(attr: Value): Value[] {
  if (attr === null) return [];
  if (typeof attr === 'string') return attr.split('.').map((p) => (/^[0-9]+$/.test(p) ? Number(p) : p));
  return [attr];
}

/** environment.getitem, where an Undefined being subscripted fails (in lenient mode too). */
export function envGetitem(obj: Value, key: Value): Value {
  failUndefined(obj);
  return getitem(obj, key);
}

/** Jinja2's ignore_case postprocessor: strings lowered, anything else as is. */
export const ignoreCase = (v: Value): Value => (typeof v === 'string' ? v.toLowerCase() : v);

/** Jinja2's make_attrgetter. `dflt` replaces an Undefined found on the way (when not None). */
export function makeAttrGetter(attribute: Value, post?: (v: Value) => Value, dflt: Value = null): (item: Value) => Value {
  const parts = attributeParts(attribute);
  return (item) => {
    for (const p of parts) {
      item = envGetitem(item, p);
      if (dflt !== null && item instanceof Undefined) item = dflt;
    }
    return post ? post(item) : item;
  };
}

/** Jinja2's make_multi_attrgetter: "age,name" gives [item.age, item.name]. */
export function makeMultiAttrGetter(attribute: Value, post?: (v: Value) => Value): (item: Value) => Value[] {
  const split = typeof attribute === 'string' ? attribute.split(',') : [attribute];
  const getters = split.map((a) => makeAttrGetter(a, post));
  return (item) => getters.map((g) => g(item));
}

/**
 * Python's sorted(items, key=key, reverse=reverse): stable, ordered by `<` only, a reverse
 * sort keeping equal items in their original order. Below 64 items CPython's timsort is one
 * run plus a binary insertion sort; doing the same compares the same pairs in the same order,
 * so a failing comparison names the same types as Python's error does.
 */
export function pySorted<T extends Value>(items: readonly T[], key: (v: T) => Value, reverse = false): T[] {
  const keyed = items.map((v) => ({ v, k: key(v) }));
  const lt = (a: Value, b: Value): boolean => compare('<', a, b);
  if (reverse) keyed.reverse();
  const n = keyed.length;
  if (n >= 64) {
    keyed.sort((a, b) => (lt(a.k, b.k) ? -1 : lt(b.k, a.k) ? 1 : 0));
  } else if (n >= 2) {
    // count_run: the leading ascending run, or strictly descending run (reversed in place)
    let run = 2;
    if (lt(keyed[1].k, keyed[0].k)) {
      while (run < n && lt(keyed[run].k, keyed[run - 1].k)) run++;
      keyed.splice(0, run, ...keyed.slice(0, run).reverse());
    } else {
      while (run < n && !lt(keyed[run].k, keyed[run - 1].k)) run++;
    }
    // binarysort: insert each later item after the equal ones before it
    for (let start = run; start < n; start++) {
      const pivot = keyed[start];
      let l = 0;
      let r = start;
      while (l < r) {
        const p = (l + r) >> 1;
        if (lt(pivot.k, keyed[p].k)) r = p; else l = p + 1;
      }
      keyed.splice(start, 1);
      keyed.splice(l, 0, pivot);
    }
  }
  if (reverse) keyed.reverse();
  return keyed.map((x) => x.v);
}

/**
 * Python's __index__ (what str.center, str.replace's count, round's ndigits and sorted's
 * reverse take): an int or bool; anything else, an Undefined too, is a TypeError.
 */
export function pyIndex(env: EvalEnv, v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const name = v instanceof Undefined ? (env.strictUndefined ? 'StrictUndefined' : 'Undefined') : typeName(v);
  throw typeError(`'${name}' object cannot be interpreted as an integer`);
}

/** Python's int parameter check ("'str' object cannot be interpreted as an integer"). */
export function asInt(v: Value, what = ''): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  failUndefined(v);
  throw typeError(`'${typeName(v)}' object cannot be interpreted as an integer${what ? ` (${what})` : ''}`);
}

// Python's str.isspace()/str.split() whitespace and str.splitlines() line boundaries.
export const PY_WHITESPACE = '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
 
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;

/** str.splitlines() (without keepends). */
export function splitlines(s: string): string[] {
  const out: string[] = [];
  let last = 0;
  for (const m of s.matchAll(LINE_BREAK)) {
    out.push(s.slice(last, m.index));
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

/** str.split() without arguments: runs of whitespace separate, no empty strings. */
export function splitWhitespace(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of s) {
    if (PY_WHITESPACE.includes(ch)) { if (cur) out.push(cur); cur = ''; } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

/** str.strip(chars): chars null strips whitespace. */
export function strip(s: string, chars: string | null): string {
  const set = chars ?? PY_WHITESPACE;
  const cps = [...s];
  let a = 0;
  let b = cps.length;
  while (a < b && set.includes(cps[a])) a++;
  while (b > a && set.includes(cps[b - 1])) b--;
  return cps.slice(a, b).join('');
}

/** Python's \w for str patterns: letters, digits and numerics of any script, underscore. */
export const W = '[\\p{L}\\p{N}_]';
