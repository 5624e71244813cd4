/**
 * Python semantics for the engine's operators: truthiness, str()/repr(), ==, <, in,
 * arithmetic, attribute and item access (Jinja2's environment.getattr/getitem rules),
 * slicing, iteration, len(), calls, and dict access with Python key equality.
 * Python 3.11 + Jinja2 3.1 are the oracle; error kinds/messages are Python's.
 *
 * Strings are indexed, measured and sliced by code point (Python str), not UTF-16 unit.
 * Ints are JS numbers: exact up to 2^53, printed with all digits beyond.
 * `strict` parameters: true = StrictUndefined (Salt's default), false = Jinja2's Undefined;
 * an Undefined made `lenient` behaves like Jinja2's Undefined either way.
 */
import { JinjaError, typeError, valueError } from '../errors.js';
import { NamedTuple, PyFloat, PyFunction, PyObject, PyRange, Tuple, Undefined, Namespace, type Dict, type Kwargs, type Value } from '../values.js';
import { floatRepr, intRepr, powInt } from './float.js';
import { boundMethod, isObjectDunder } from './methods.js';
import { printf } from './format.js';

export type BinOp = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '~';
export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

export const zeroDivision = (msg: string): JinjaError => new JinjaError('ZeroDivisionError', msg);

// ---------------------------------------------------------------- truthiness, str, repr

/** Python bool(v). Undefined: fails when strict. */
export function truthy(v: Value, strict = true): boolean {
  if (v instanceof Undefined) { if (strict && !v.lenient) throw undefinedError(v); return false; }
  if (v === null || v === false || v === 0 || v === '') return false;
  if (v instanceof PyFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (v instanceof PyObject && hasLen(v)) return v.len() > 0;
  return true;
}

/** Python str(v), as `{{ v }}` prints it. */
export function pyStr(v: Value, strict = true): string {
  if (v instanceof Undefined) { if (strict && !v.lenient) throw undefinedError(v); return ''; }
  if (typeof v === 'string') return v;
  if (v instanceof PyObject) return v.str();
  return pyRepr(v);
}

/** Python repr(v). Self-containing lists/dicts print `[...]`/`{...}` like Python. */
export function pyRepr(v: Value, seen?: Set<unknown>): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return intRepr(v);
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (typeof v === 'string') return strRepr(v);
  if (v instanceof PyRange) return `range(${v.start}, ${v.stop}${v.step === 1 ? '' : `, ${v.step}`})`;
  if (Array.isArray(v) || v instanceof Map || v instanceof Namespace) {
    const s = seen ?? new Set<unknown>();
    if (s.has(v)) return v instanceof Tuple ? '(...)' : Array.isArray(v) ? '[...]' : '{...}';
    s.add(v);
    try {
      if (v instanceof Tuple) return v.length === 1 ? `(${pyRepr(v[0], s)},)` : `(${v.map((x) => pyRepr(x, s)).join(', ')})`;
      if (Array.isArray(v)) return `[${v.map((x) => pyRepr(x, s)).join(', ')}]`;
      if (v instanceof Map) return `{${[...v].map(([k, x]) => `${pyRepr(k, s)}: ${pyRepr(x, s)}`).join(', ')}}`;
      return `<Namespace ${pyRepr(new Map<Value, Value>(v.attrs), s)}>`;
    } finally {
      s.delete(v);
    }
  }
  if (v instanceof Undefined) return 'Undefined';
  if (v instanceof PyFunction) return `<function ${v.name}>`;
  if (v instanceof PyObject) return v.str();
  return String(v);
}

// Python's str.isprintable(): not in Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs (but ' ' is printable).
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');

/** Python repr(str): single quotes unless the text has ' and no "; escapes like unicode_repr. */
export function strRepr(s: string, ascii = false): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); i++; }
    }
    const ch = String.fromCodePoint(cp);
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x7f) out += ch;
    else if (!ascii && ch !== ' ' && !(cp >= 0xd800 && cp <= 0xdfff) && !NON_PRINTABLE.test(ch)) out += ch;
    else if (cp <= 0xff) out += `\\x${hex(cp, 2)}`;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + quote;
}

/** Python ascii(v): repr with non-ASCII characters escaped. */
export function pyAscii(v: Value): string {
  return typeof v === 'string' ? strRepr(v, true) : pyRepr(v).replace(/[^\x00-\x7f]/gu, (c) => {
    const cp = c.codePointAt(0)!;
    return cp <= 0xff ? `\\x${hex(cp, 2)}` : cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
  });
}

/** Jinja2's object_type_repr: 'None', 'dict object', 'jinja2.utils.Namespace object'. */
export function objectTypeRepr(v: Value): string {
  if (v === null) return 'None';
  if (v instanceof Namespace) return 'jinja2.utils.Namespace object';
  return `${typeName(v)} object`;
}

export function undefinedError(u: Undefined): JinjaError {
  return new JinjaError(u.errorKind, u.hint ?? `${u.name === undefined ? 'None' : strRepr(u.name)} is undefined`);
}

/** The Undefined Jinja2 returns for a missing attribute (name is a str) or element. */
export function missing(obj: Value, name: Value): Undefined {
  if (typeof name === 'string') return new Undefined(name, `${strRepr(objectTypeRepr(obj))} has no attribute ${strRepr(name)}`);
  return new Undefined(pyStr(name, false), `${objectTypeRepr(obj)} has no element ${pyRepr(name)}`);
}

// ---------------------------------------------------------------- numbers

/** bool/int/float as a number; undefined for anything else. */
export function numValue(v: Value): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) return v.value;
  return undefined;
}
const isIntLike = (v: Value): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';
/** An int result: no JS -0. */
const int = (n: number): number => (n === 0 ? 0 : n);

/** Python's int % int (sign of the divisor). */
function intMod(a: number, b: number): number {
  const m = a % b;
  return int(m !== 0 && (m < 0) !== (b < 0) ? m + b : m);
}

/** CPython's float_divmod. */
function floatDivmod(vx: number, wx: number): [number, number] {
  let mod = vx % wx;
  let div = (vx - mod) / wx;
  if (mod !== 0) {
    if ((wx < 0) !== (mod < 0)) { mod += wx; div -= 1; }
  } else {
    mod = wx < 0 ? -0 : 0;
  }
  let floordiv: number;
  if (div !== 0) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else {
    floordiv = (vx / wx < 0 || Object.is(vx / wx, -0)) ? -0 : 0;
  }
  return [floordiv, mod];
}

/** CPython's float_pow: its special cases differ from JS ** (1 ** nan is 1.0, 0 ** -1 raises). */
function floatPow(x: number, y: number, a: Value, b: Value): number {
  if (y === 0) return 1;
  if (Number.isNaN(x)) return x;
  if (Number.isNaN(y)) return x === 1 ? 1 : y;
  if (!Number.isFinite(y)) {
    const ax = Math.abs(x);
    if (ax === 1) return 1;
    return (y > 0) === (ax > 1) ? Infinity : 0;
  }
  if (!Number.isFinite(x)) return x ** y;
  if (x === 0 && y < 0) throw zeroDivision('0.0 cannot be raised to a negative power');
  if (x < 0 && !Number.isInteger(y)) {
    throw new JinjaError('NotProvided', `complex numbers (the result of ${pyRepr(a)} ** ${pyRepr(b)}) are not provided`);
  }
  if (x === 1) return 1;
  const r = Number.isInteger(y) ? powInt(x, y) : x ** y;
  if (!Number.isFinite(r)) throw new JinjaError('OverflowError', "(34, 'Numerical result out of range')");
  return r;
}

function intPow(a: number, b: number): number {
  const r = a ** b;
  if (Number.isSafeInteger(r)) return int(r);
  // beyond 2^53: the nearest double to the exact result
  return Number(BigInt(a) ** BigInt(b));
}

function unsupported(op: string, a: Value, b: Value): JinjaError {
  return typeError(`unsupported operand type(s) for ${op === '**' ? '** or pow()' : op}: '${typeName(a)}' and '${typeName(b)}'`);
}

function repeat(seq: Value, times: Value): Value {
  if (!isIntLike(times)) throw typeError(`can't multiply sequence by non-int of type '${typeName(times)}'`);
  const n = Math.max(0, Number(times));
  // JS strings and arrays stop far below Python's limits; Python raises MemoryError long before 2^52
  if (n * (typeof seq === 'string' ? seq.length : (seq as Value[]).length) > 2 ** 28) throw new JinjaError('MemoryError', '');
  if (typeof seq === 'string') return seq.repeat(n);
  const arr = seq as Value[];
  const out: Value[] = [];
  for (let i = 0; i < n; i++) out.push(...arr);
  return seq instanceof Tuple ? Tuple.make(out) : out;
}
const isSeq = (v: Value): boolean => typeof v === 'string' || Array.isArray(v);

/** a OP b with Python semantics; `~` is Jinja2's string concatenation. */
export function binop(op: BinOp, a: Value, b: Value, strict = true): Value {
  if (op === '~') return pyStr(a, strict) + pyStr(b, strict);
  if (a instanceof Undefined) throw undefinedError(a);
  if (b instanceof Undefined && !(op === '%' && typeof a === 'string' && (!strict || b.lenient))) throw undefinedError(b);
  const x = numValue(a);
  const y = numValue(b);
  const isFloat = a instanceof PyFloat || b instanceof PyFloat;
  if (x !== undefined && y !== undefined) {
    switch (op) {
      case '+': return isFloat ? new PyFloat(x + y) : int(x + y);
      case '-': return isFloat ? new PyFloat(x - y) : int(x - y);
      case '*': return isFloat ? new PyFloat(x * y) : int(x * y);
      case '/':
        if (y === 0) throw zeroDivision(isFloat ? 'float division by zero' : 'division by zero');
        return new PyFloat(x / y);
      case '//':
        if (y === 0) throw zeroDivision(isFloat ? 'float floor division by zero' : 'integer division or modulo by zero');
        if (isFloat) return new PyFloat(floatDivmod(x, y)[0]);
        return int((x - intMod(x, y)) / y);
      case '%':
        if (y === 0) throw zeroDivision(isFloat ? 'float modulo' : 'integer modulo by zero');
        if (isFloat) return new PyFloat(floatDivmod(x, y)[1]);
        return intMod(x, y);
      case '**':
        if (!isFloat && y >= 0) return intPow(x, y);
        return new PyFloat(floatPow(x, y, a, b));
    }
  }
  switch (op) {
    case '+':
      if (typeof a === 'string') {
        if (typeof b === 'string') return a + b;
        throw typeError(`can only concatenate str (not "${typeName(b)}") to str`);
      }
      if (a instanceof Tuple) {
        if (b instanceof Tuple) return Tuple.make([...a, ...b]);
        throw typeError(`can only concatenate tuple (not "${typeName(b)}") to tuple`);
      }
      if (Array.isArray(a)) {
        if (Array.isArray(b) && !(b instanceof Tuple)) return [...a, ...b];
        throw typeError(`can only concatenate list (not "${typeName(b)}") to list`);
      }
      break;
    case '*':
      if (isSeq(a)) return repeat(a, b);
      if (isSeq(b) && x !== undefined) return repeat(b, a);
      if (isSeq(b)) throw typeError(`can't multiply sequence by non-int of type '${typeName(a)}'`);
      break;
    case '%':
      if (typeof a === 'string') return printf(a, b, strict);
      break;
  }
  throw unsupported(op, a, b);
}

export function unary(op: '-' | '+' | 'not', a: Value, strict = true): Value {
  if (op === 'not') return !truthy(a, strict);
  if (a instanceof Undefined) throw undefinedError(a);
  if (a instanceof PyFloat) return op === '-' ? new PyFloat(-a.value) : a;
  const n = numValue(a);
  if (n === undefined) throw typeError(`bad operand type for unary ${op}: '${typeName(a)}'`);
  return op === '-' ? int(-n) : n;
}

// ---------------------------------------------------------------- comparison

/** Python a == b (deep for list/tuple/dict; 1 == 1.0 == True). */
export function pyEq(a: Value, b: Value, strict = true): boolean {
  if (a === b) return true;
  if (a instanceof Undefined || b instanceof Undefined) {
    const u = (a instanceof Undefined ? a : b) as Undefined;
    if (strict && !u.lenient && !(a instanceof Undefined && b instanceof Undefined && a.lenient && b.lenient)) throw undefinedError(u);
    return a instanceof Undefined && b instanceof Undefined;
  }
  const x = numValue(a);
  if (x !== undefined) { const y = numValue(b); return y !== undefined && x === y; }
  if (typeof a === 'string' || a === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || (a instanceof Tuple) !== (b instanceof Tuple) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!(a[i] === b[i] || pyEq(a[i], b[i], strict))) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      const w = dictGet(b, k);
      if (w === undefined || !(w === v || pyEq(v, w, strict))) return false;
    }
    return true;
  }
  if (a instanceof PyObject && typeof (a as { eq?: unknown }).eq === 'function') return (a as PyObject & { eq(o: Value): boolean }).eq(b);
  return false;
}

/** Code point order (JS compares UTF-16 units, which differs above U+FFFF). */
export function cmpStr(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function lt(op: '<' | '<=' | '>' | '>=', a: Value, b: Value, strict: boolean): boolean {
  if (a instanceof Undefined) throw undefinedError(a);
  if (b instanceof Undefined) throw undefinedError(b);
  const x = numValue(a);
  const y = numValue(b);
  if (x !== undefined && y !== undefined) {
    switch (op) { case '<': return x < y; case '<=': return x <= y; case '>': return x > y; case '>=': return x >= y; }
  }
  if (typeof a === 'string' && typeof b === 'string') {
    const c = cmpStr(a, b);
    switch (op) { case '<': return c < 0; case '<=': return c <= 0; case '>': return c > 0; case '>=': return c >= 0; }
  }
  if (Array.isArray(a) && Array.isArray(b) && (a instanceof Tuple) === (b instanceof Tuple)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (a[i] === b[i] || pyEq(a[i], b[i], strict)) continue;
      return lt(op, a[i], b[i], strict);
    }
    switch (op) { case '<': return a.length < b.length; case '<=': return a.length <= b.length; case '>': return a.length > b.length; case '>=': return a.length >= b.length; }
  }
  throw typeError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python `a in b`. */
export function contains(b: Value, a: Value, strict = true): boolean {
  if (b instanceof Undefined) { if (strict && !b.lenient) throw undefinedError(b); return false; }
  if (typeof b === 'string') {
    if (typeof a !== 'string') {
      if (a instanceof Undefined) throw undefinedError(a);
      throw typeError(`'in <string>' requires string as left operand, not ${typeName(a)}`);
    }
    return b.includes(a);
  }
  if (Array.isArray(b)) return b.some((x) => x === a || pyEq(x, a, strict));
  if (b instanceof Map) return dictHas(b, a);
  if (b instanceof PyObject) {
    const c = (b as { contains?: (x: Value) => boolean }).contains;
    if (typeof c === 'function') return c.call(b, a);
    const it = b.iter();
    if (it) { for (const x of it) if (x === a || pyEq(x, a, strict)) return true; return false; }
  }
  throw typeError(`argument of type '${typeName(b)}' is not iterable`);
}

export function compare(op: CmpOp, a: Value, b: Value, strict = true): boolean {
  switch (op) {
    case '==': return pyEq(a, b, strict);
    case '!=': return !pyEq(a, b, strict);
    case 'in': return contains(b, a, strict);
    case 'not in': return !contains(b, a, strict);
    default: return lt(op, a, b, strict);
  }
}

/** sort()'s order: Python's `<` (TypeError for mixed types). */
export function pyCmp(a: Value, b: Value): number {
  if (lt('<', a, b, true)) return -1;
  if (lt('<', b, a, true)) return 1;
  return 0;
}

// ---------------------------------------------------------------- dicts with Python key equality

/** Python hash() would fail: list, dict (and tuples containing them). */
export function checkHashable(k: Value): void {
  if (Array.isArray(k) && !(k instanceof Tuple)) throw typeError(`unhashable type: '${typeName(k)}'`);
  if (k instanceof Map) throw typeError("unhashable type: 'dict'");
  if (k instanceof Tuple) for (const x of k) checkHashable(x);
  if (k instanceof Undefined) throw undefinedError(k);
}

const NOT_FOUND = Symbol('not found');

/** The key stored in `m` that equals `k` in Python (1, 1.0 and True are one key), or NOT_FOUND. */
function findKey(m: Dict, k: Value): Value | typeof NOT_FOUND {
  if (m.has(k)) {
    // a JS Map equates NaN with NaN; Python only finds the same float object, which a PyFloat key is
    return k;
  }
  if (typeof k === 'string' || k === null) return NOT_FOUND;
  checkHashable(k);
  const n = numValue(k);
  if (n !== undefined) {
    if (Number.isInteger(n) && typeof k !== 'number' && m.has(n)) return n;
    if (n === 1 && m.has(true)) return true;
    if (n === 0 && m.has(false)) return false;
    for (const s of m.keys()) if (s instanceof PyFloat && s.value === n) return s;
    return NOT_FOUND;
  }
  if (k instanceof Tuple) {
    for (const s of m.keys()) if (s instanceof Tuple && pyEq(s, k)) return s;
  }
  return NOT_FOUND;
}

/** d[k] with Python key equality; undefined (JS) when missing. TypeError when k is unhashable. */
export function dictGet(m: Dict, k: Value): Value | undefined {
  const s = findKey(m, k);
  return s === NOT_FOUND ? undefined : m.get(s);
}
export function dictHas(m: Dict, k: Value): boolean {
  return findKey(m, k) !== NOT_FOUND;
}
/** d[k] = v: an equal existing key keeps its place and its original form (Python keeps the first key). */
export function dictSet(m: Dict, k: Value, v: Value): void {
  const s = findKey(m, k);
  m.set(s === NOT_FOUND ? k : s, v);
}
/** del d[k]; true when it was there. */
export function dictDelete(m: Dict, k: Value): boolean {
  const s = findKey(m, k);
  return s === NOT_FOUND ? false : m.delete(s);
}

// ---------------------------------------------------------------- attributes and items

/**
 * Jinja2's environment.getattr(obj, name): attribute first (Python methods of str/list/dict
 * as bound PyFunctions, Namespace attributes, PyObject.getattr), then item; an Undefined
 * with Jinja2's hint when neither exists. Attribute access on an Undefined fails.
 */
export function getattr(obj: Value, name: string): Value {
  if (obj instanceof Undefined) throw undefinedError(obj);
  if (obj instanceof NamedTuple) { const f = obj.field(name); if (f !== undefined) return f; }
  if (obj instanceof Namespace) {
    const v = obj.attrs.get(name);
    return v === undefined ? missing(obj, name) : v;
  }
  if (obj instanceof PyObject) {
    if (isObjectDunder(name)) return unsafeAttribute(obj, name);
    const v = obj.getattr(name) ?? obj.getitem(name);
    return v === undefined ? missing(obj, name) : v;
  }
  const m = boundMethod(obj, name);
  if (m !== undefined) return m;
  if (obj instanceof Map) {
    const v = dictGet(obj, name);
    if (v !== undefined) return v;
  }
  return missing(obj, name);
}

/**
 * Salt renders in Jinja2's SandboxedEnvironment: an attribute (not a dict item) whose name
 * starts with '_' is unsafe. Using the value raises SecurityError (a TemplateRuntimeError), so
 * `__class__`, `__proto__`, `__init__`... never lead anywhere, whatever path looks them up
 * (`.x`, `['x']`, the attr filter, attribute= of map/sort/groupby, str.format's `{0.x}`).
 */
export function unsafeAttribute(obj: Value, name: string): Undefined {
  return new Undefined(name, `access to attribute '${name}' of '${typeName(obj)}' object is unsafe.`, false, 'TemplateRuntimeError');
}
export const isUnsafeName = (name: Value): name is string => typeof name === 'string' && name.startsWith('_');

/** A Python index (int or bool) into a sequence of length n; undefined when out of range. */
function seqIndex(key: Value, n: number): number | undefined {
  if (!isIntLike(key)) return undefined;
  let i = Number(key);
  if (i < 0) i += n;
  return i >= 0 && i < n ? i : undefined;
}

const hasAstral = (s: string): boolean => /[\ud800-\udfff]/.test(s);
/** str as Python sees it: an array of code points (only split when the text has surrogates). */
export function chars(s: string): string[] {
  return hasAstral(s) ? Array.from(s) : s.split('');
}
/** len(str) in code points. */
export function strLen(s: string): number {
  return hasAstral(s) ? Array.from(s).length : s.length;
}

/** Jinja2's environment.getitem(obj, key): item first, then attribute (for str keys). */
export function getitem(obj: Value, key: Value): Value {
  if (obj instanceof Undefined) throw undefinedError(obj);
  if (key instanceof Undefined) throw undefinedError(key);
  let found: Value | undefined;
  if (obj instanceof Map) {
    try { found = dictGet(obj, key); } catch (e) { if (!(e instanceof JinjaError && e.kind === 'TypeError')) throw e; }
  } else if (Array.isArray(obj)) {
    const i = seqIndex(key, obj.length);
    if (i !== undefined) found = obj[i];
  } else if (typeof obj === 'string') {
    const cs = chars(obj);
    const i = seqIndex(key, cs.length);
    if (i !== undefined) found = cs[i];
  } else if (obj instanceof PyObject) {
    found = obj.getitem(key);
  }
  if (found !== undefined) return found;
  if (typeof key === 'string') {
    if (obj instanceof Namespace) { const v = obj.attrs.get(key); if (v !== undefined) return v; }
    else if (obj instanceof PyObject) { const v = obj.getattr(key); if (v !== undefined) return isUnsafeName(key) ? unsafeAttribute(obj, key) : v; }
    else { const m = boundMethod(obj, key); if (m !== undefined) return isUnsafeName(key) ? unsafeAttribute(obj, key) : m; }
  }
  return missing(obj, key);
}

function sliceIndex(v: Value | undefined): number | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Undefined) throw undefinedError(v);
  if (!isIntLike(v)) throw typeError('slice indices must be integers or None or have an __index__ method');
  return Number(v);
}

/** Python's slice.indices(len) then the selected positions. */
export function sliceIndices(n: number, start: Value | undefined, stop: Value | undefined, step: Value | undefined): number[] {
  const st = sliceIndex(step) ?? 1;
  if (st === 0) throw valueError('slice step cannot be zero');
  let a = sliceIndex(start);
  let b = sliceIndex(stop);
  if (st > 0) {
    a = a === null ? 0 : a < 0 ? Math.max(0, a + n) : Math.min(a, n);
    b = b === null ? n : b < 0 ? Math.max(0, b + n) : Math.min(b, n);
    const out: number[] = [];
    for (let i = a; i < b; i += st) out.push(i);
    return out;
  }
  a = a === null ? n - 1 : a < 0 ? Math.max(-1, a + n) : Math.min(a, n - 1);
  b = b === null ? -1 : b < 0 ? Math.max(-1, b + n) : Math.min(b, n - 1);
  const out: number[] = [];
  for (let i = a; i > b; i += st) out.push(i);
  return out;
}

/** obj[start:stop:step] (null/undefined = omitted); Python's errors for anything but str/list/tuple. */
export function slice(obj: Value, start: Value | undefined, stop: Value | undefined, step: Value | undefined): Value {
  if (obj instanceof Undefined) throw undefinedError(obj);
  if (typeof obj === 'string') {
    const cs = chars(obj);
    return sliceIndices(cs.length, start, stop, step).map((i) => cs[i]).join('');
  }
  if (Array.isArray(obj)) {
    const out = sliceIndices(obj.length, start, stop, step).map((i) => obj[i]!);
    return obj instanceof Tuple ? Tuple.make(out) : out;
  }
  // Jinja2 compiles a slice to Python's obj[a:b:c] (not environment.getitem): errors propagate
  if (obj instanceof Map) throw typeError("unhashable type: 'slice'");
  throw typeError(`'${typeName(obj)}' object is not subscriptable`);
}

// ---------------------------------------------------------------- iteration, len, call

/** A PyObject that knows its length (dict views, loop-like objects). */
export interface Sized { len(): number }
export function hasLen(v: unknown): v is Sized {
  return typeof (v as { len?: unknown }).len === 'function';
}

/** iter(v): the items a for loop sees (dict: keys; str: characters). Undefined: [] unless strict. */
export function iterate(v: Value, strict = true): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Map) return [...v.keys()];
  if (typeof v === 'string') return chars(v);
  if (v instanceof Undefined) { if (strict && !v.lenient) throw undefinedError(v); return []; }
  if (v instanceof PyObject) {
    const it = v.iter();
    if (it) return Array.isArray(it) ? it : [...it];
  }
  throw typeError(`'${typeName(v)}' object is not iterable`);
}

export function len(v: Value, strict = true): number {
  if (typeof v === 'string') return strLen(v);
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (v instanceof Undefined) { if (strict && !v.lenient) throw undefinedError(v); return 0; }
  if (v instanceof PyObject && hasLen(v)) return v.len();
  throw typeError(`object of type '${typeName(v)}' has no len()`);
}

/** Calls a PyFunction (or a PyObject with a `call` hook). */
export function call(f: Value, args: Value[], kwargs: Kwargs): Value {
  if (f instanceof PyFunction) return f.call(args, kwargs);
  if (f instanceof Undefined) throw undefinedError(f);
  if (f instanceof PyObject && typeof (f as { call?: unknown }).call === 'function') {
    return (f as PyObject & { call(a: Value[], k: Kwargs): Value }).call(args, kwargs);
  }
  throw typeError(`'${typeName(f)}' object is not callable`);
}

/** Python type(v).__name__ */
export function typeName(v: Value): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'int';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'string') return 'str';
  if (v instanceof PyRange) return 'range';
  if (v instanceof Tuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  if (v instanceof Undefined) return 'Undefined';
  if (v instanceof Namespace) return 'Namespace';
  if (v instanceof PyFunction) return 'function';
  return v.typeName;
}
