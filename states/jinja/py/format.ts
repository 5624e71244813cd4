/**
 * Python string formatting: printf-style `str % values` (PyUnicode_Format), str.format /
 * format_map (the field grammar with auto/manual numbering, `.attr` and `[key]` access,
 * !r/!s/!a conversions) and format(value, spec) (the format-spec mini-language for str,
 * int, bool and float). Messages are CPython 3.11's.
 */
import { JinjaError, typeError, valueError } from '../errors.js';
import { PyFloat, PyObject, Tuple, Undefined, Namespace, type Kwargs, type Value } from '../values.js';
import { formatFloatAbs, type FloatFormat } from './float.js';
import { boundMethod } from './methods.js';
import { chars, dictGet, pyAscii, pyRepr, pyStr, strLen, typeName, undefinedError } from './ops.js';

const overflow = (msg: string): JinjaError => new JinjaError('OverflowError', msg);

/** An integral number's digits in a base (exact beyond 2^53), without sign. */
function intDigits(n: number, base: number): string {
  const a = Math.abs(n);
  return Number.isSafeInteger(a) ? a.toString(base) : BigInt(a).toString(base);
}

/** int(x) for a float: truncation, with Python's errors for nan/inf. */
function truncFloat(x: number): number {
  if (Number.isNaN(x)) throw valueError('cannot convert float NaN to integer');
  if (!Number.isFinite(x)) throw overflow('cannot convert float infinity to integer');
  const t = Math.trunc(x);
  return t === 0 ? 0 : t;
}

function chr(n: number): string {
  if (n < 0 || n > 0x10ffff) throw overflow('%c arg not in range(0x110000)');
  return String.fromCodePoint(n);
}

// ---------------------------------------------------------------- printf-style

interface PrintfSpec { minus: boolean; plus: boolean; space: boolean; alt: boolean; zero: boolean; width: number; prec: number | undefined }

/** A number's pieces: sign ('' or '-'), prefix (0x...) and body, padded per printf flags. */
function printfNumber(neg: boolean, prefix: string, body: string, s: PrintfSpec): string {
  const sign = neg ? '-' : s.plus ? '+' : s.space ? ' ' : '';
  const len = sign.length + prefix.length + body.length;
  if (s.width <= len) return sign + prefix + body;
  const padN = s.width - len;
  if (s.minus) return sign + prefix + body + ' '.repeat(padN);
  if (s.zero) return sign + prefix + '0'.repeat(padN) + body;
  return ' '.repeat(padN) + sign + prefix + body;
}
function printfText(text: string, s: PrintfSpec): string {
  const n = strLen(text);
  if (s.width <= n) return text;
  return s.minus ? text + ' '.repeat(s.width - n) : ' '.repeat(s.width - n) + text;
}

function printfConvert(c: string, v: Value, s: PrintfSpec, strict: boolean): string {
  // a lenient Undefined prints as '' (%s) or Undefined (%r); anything else with it fails
  if (v instanceof Undefined && ((strict && !v.lenient) || !'sra'.includes(c))) throw undefinedError(v);
  switch (c) {
    case 's': case 'r': case 'a': {
      let t = c === 's' ? pyStr(v, strict) : c === 'r' ? pyRepr(v) : pyAscii(v);
      if (s.prec !== undefined) t = chars(t).slice(0, s.prec).join('');
      return printfText(t, s);
    }
    case 'd': case 'i': case 'u': {
      let n: number;
      if (typeof v === 'number' || typeof v === 'boolean') n = Number(v);
      else if (v instanceof PyFloat) n = truncFloat(v.value);
      else throw typeError(`%${c} format: a real number is required, not ${typeName(v)}`);
      let body = intDigits(n, 10);
      if (s.prec !== undefined) body = body.padStart(s.prec, '0');
      return printfNumber(n < 0, '', body, s);
    }
    case 'x': case 'X': case 'o': {
      if (typeof v !== 'number' && typeof v !== 'boolean') throw typeError(`%${c} format: an integer is required, not ${typeName(v)}`);
      const n = Number(v);
      let body = intDigits(n, c === 'o' ? 8 : 16);
      if (c === 'X') body = body.toUpperCase();
      if (s.prec !== undefined) body = body.padStart(s.prec, '0');
      const prefix = s.alt ? (c === 'o' ? '0o' : c === 'x' ? '0x' : '0X') : '';
      return printfNumber(n < 0, prefix, body, s);
    }
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
      let x: number;
      if (typeof v === 'number' || typeof v === 'boolean') x = Number(v);
      else if (v instanceof PyFloat) x = v.value;
      else throw typeError(`must be real number, not ${typeName(v)}`);
      const lower = c.toLowerCase() as 'e' | 'f' | 'g';
      const { text, negative } = formatFloatAbs(x, { type: lower, precision: s.prec ?? 6, alt: s.alt, upper: c !== lower });
      return printfNumber(negative, '', text, s);
    }
    case 'c': {
      if (typeof v === 'number' || typeof v === 'boolean') return printfText(chr(Number(v)), s);
      if (typeof v === 'string' && strLen(v) === 1) return printfText(v, s);
      throw typeError('%c requires int or char');
    }
  }
  throw valueError(`unsupported format character '${c}' (0x${c.codePointAt(0)!.toString(16)})`);
}

/** Python `fmt % args` for a str fmt (strict: StrictUndefined arguments fail). */
export function printf(fmt: string, args: Value, strict = true): string {
  const positional: Value[] = args instanceof Tuple ? [...args] : [args];
  const isTuple = args instanceof Tuple;
  // Python treats any non-tuple, non-str object with __getitem__ as a mapping here (lists too)
  const mapping = args instanceof Map || args instanceof PyObject || (Array.isArray(args) && !isTuple) ? args : undefined;
  let argi = 0;
  let usedMapping = false;
  const next = (): Value => {
    if (argi >= positional.length) throw typeError('not enough arguments for format string');
    return positional[argi++]!;
  };
  let out = '';
  let i = 0;
  const n = fmt.length;
  while (i < n) {
    const pct = fmt.indexOf('%', i);
    if (pct < 0) { out += fmt.slice(i); break; }
    out += fmt.slice(i, pct);
    i = pct + 1;
    if (i >= n) throw valueError('incomplete format');
    if (fmt[i] === '%') { out += '%'; i++; continue; }
    let value: Value | undefined;
    if (fmt[i] === '(') {
      if (!mapping) throw typeError('format requires a mapping');
      let depth = 1;
      const start = ++i;
      while (i < n && depth > 0) { if (fmt[i] === '(') depth++; else if (fmt[i] === ')') depth--; i++; }
      if (depth > 0) throw valueError('incomplete format key');
      const key = fmt.slice(start, i - 1);
      if (Array.isArray(mapping)) throw typeError('list indices must be integers or slices, not str');
      const got = mapping instanceof Map ? dictGet(mapping, key) : (mapping).getitem(key);
      if (got === undefined) throw new JinjaError('KeyError', pyRepr(key));
      value = got;
      usedMapping = true;
    }
    const spec: PrintfSpec = { minus: false, plus: false, space: false, alt: false, zero: false, width: 0, prec: undefined };
    for (; i < n; i++) {
      const f = fmt[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === ' ') spec.space = true;
      else if (f === '#') spec.alt = true;
      else if (f === '0') spec.zero = true;
      else break;
    }
    const num = (): number | undefined => {
      if (fmt[i] === '*') {
        i++;
        const w = next();
        if (typeof w !== 'number' && typeof w !== 'boolean') throw typeError('* wants int');
        return Number(w);
      }
      const m = /^\d+/.exec(fmt.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    const w = num();
    if (w !== undefined) { if (w < 0) { spec.minus = true; spec.width = -w; } else spec.width = w; }
    if (fmt[i] === '.') { i++; spec.prec = Math.max(0, num() ?? 0); }
    while (i < n && 'hlL'.includes(fmt[i])) i++;
    if (i >= n) throw valueError('incomplete format');
    const c = String.fromCodePoint(fmt.codePointAt(i)!);
    const at = strLen(fmt.slice(0, i));
    i += c.length;
    if (value === undefined) value = next();
    if (c === '%' || !'sradiuxXoeEfFgGc'.includes(c)) {
      throw valueError(`unsupported format character '${c}' (0x${c.codePointAt(0)!.toString(16)}) at index ${at}`);
    }
    out += printfConvert(c, value, spec, strict);
  }
  if (argi < positional.length && !usedMapping && !(mapping && argi === 0)) {
    throw typeError('not all arguments converted during string formatting');
  }
  return out;
}

// ---------------------------------------------------------------- format spec mini-language

interface FormatSpec {
  fill: string; align: string | undefined; sign: string; z: boolean; alt: boolean; zero: boolean;
  width: number; grouping: string; precision: number | undefined; type: string;
}

function parseSpec(spec: string, v: Value): FormatSpec {
  const cs = chars(spec);
  let i = 0;
  const out: FormatSpec = { fill: ' ', align: undefined, sign: '', z: false, alt: false, zero: false, width: -1, grouping: '', precision: undefined, type: '' };
  const isAlign = (c: string | undefined): boolean => c !== undefined && '<>=^'.includes(c);
  if (cs.length >= 2 && isAlign(cs[1])) { out.fill = cs[0]!; out.align = cs[1]; i = 2; }
  else if (isAlign(cs[0])) { out.align = cs[0]; i = 1; }
  if (cs[i] !== undefined && '+- '.includes(cs[i])) out.sign = cs[i++]!;
  if (cs[i] === 'z') { out.z = true; i++; }
  if (cs[i] === '#') { out.alt = true; i++; }
  if (cs[i] === '0') { out.zero = true; i++; }
  let w = '';
  while (i < cs.length && /\d/.test(cs[i])) w += cs[i++];
  if (w) out.width = Number(w);
  if (cs[i] === ',' || cs[i] === '_') {
    out.grouping = cs[i++]!;
    if (cs[i] === ',' || cs[i] === '_') throw valueError('Cannot specify both \',\' and \'_\'.');
  }
  if (cs[i] === '.') {
    i++;
    let p = '';
    while (i < cs.length && /\d/.test(cs[i])) p += cs[i++];
    if (!p) throw valueError('Format specifier missing precision');
    out.precision = Number(p);
  }
  if (cs.length - i > 1) throw valueError(`Invalid format specifier '${spec}' for object of type '${typeName(v)}'`);
  if (i < cs.length) out.type = cs[i]!;
  // '0' without an explicit fill: fill with zeros ('=' alignment for numbers, decided by the caller)
  if (out.zero && !(cs.length >= 2 && isAlign(cs[1]))) out.fill = '0';
  if (out.grouping) {
    const t = out.type;
    const ok = out.grouping === ',' ? '' + 'deEfFgG%' : 'bdoxXeEfFgG%';
    if (t !== '' && !ok.includes(t)) throw valueError(`Cannot specify '${out.grouping}' with '${t}'.`);
  }
  return out;
}

/** CPython's _PyUnicode_InsertThousandsGrouping: groups, and zero-fills up to minWidth (never a leading separator). */
function group(digits: string, sep: string, size: number, minWidth: number): string {
  let remaining = digits.length;
  let mw = minWidth;
  let pos = digits.length;
  const parts: string[] = [];
  for (;;) {
    const l = Math.min(size, Math.max(remaining, mw, 1));
    const zeros = Math.max(0, l - remaining);
    const take = Math.max(0, Math.min(remaining, l));
    parts.unshift('0'.repeat(zeros) + digits.slice(pos - take, pos));
    pos -= take;
    remaining -= take;
    mw -= size;
    if (remaining <= 0 && mw <= 0) break;
    mw -= sep.length;
  }
  return parts.join(sep);
}

function align(text: string, s: FormatSpec, dflt: '<' | '>'): string {
  const n = strLen(text);
  if (s.width <= n) return text;
  const padN = s.width - n;
  const a = s.align ?? dflt;
  if (a === '<') return text + s.fill.repeat(padN);
  if (a === '^') { const l = Math.floor(padN / 2); return s.fill.repeat(l) + text + s.fill.repeat(padN - l); }
  return s.fill.repeat(padN) + text;
}

/** sign + prefix + (grouped) integer digits + rest, padded; '=' puts the fill after the sign. */
function assembleNumber(neg: boolean, prefix: string, intPart: string, rest: string, spec: FormatSpec, groupSize: number): string {
  const s = spec.zero && spec.align === undefined ? { ...spec, align: '=' } : spec;
  const sign = neg ? '-' : s.sign === '+' ? '+' : s.sign === ' ' ? ' ' : '';
  const sep = s.grouping;
  if (s.align === '=' && s.fill === '0') {
    const minWidth = Math.max(0, s.width - sign.length - prefix.length - strLen(rest));
    const body = sep ? group(intPart, sep, groupSize, minWidth) : intPart.padStart(minWidth, '0');
    return sign + prefix + body + rest;
  }
  const body = sep ? group(intPart, sep, groupSize, 0) : intPart;
  if (s.align === '=') {
    const text = sign + prefix + body + rest;
    const padN = s.width - strLen(text);
    return padN > 0 ? sign + prefix + s.fill.repeat(padN) + body + rest : text;
  }
  return align(sign + prefix + body + rest, s, '>');
}

function formatInt(n: number, s: FormatSpec): string {
  if (s.precision !== undefined) throw valueError('Precision not allowed in integer format specifier');
  if (s.z) throw valueError('Negative zero coercion (z) not allowed in integer format specifier');
  const t = s.type || 'd';
  if (t === 'c') {
    if (s.sign) throw valueError("Sign not allowed with integer format specifier 'c'");
    if (s.alt) throw valueError("Alternate form (#) not allowed with integer format specifier 'c'");
    return align(chr(n), s, '>');
  }
  const base = t === 'b' ? 2 : t === 'o' ? 8 : t === 'x' || t === 'X' ? 16 : 10;
  let digits = intDigits(n, base);
  if (t === 'X') digits = digits.toUpperCase();
  const prefix = s.alt && base !== 10 ? `0${t}`.replace('0d', '').replace('0n', '') : '';
  return assembleNumber(n < 0, prefix, digits, '', s, base === 10 ? 3 : 4);
}

function formatFloat(x: number, s: FormatSpec): string {
  let t = s.type;
  let ff: FloatFormat;
  let suffix = '';
  if (t === '%') { x *= 100; suffix = '%'; t = 'f'; }
  if (t === '') ff = s.precision === undefined ? { type: 'r' } : { type: 'g', precision: s.precision, addDot0: true };
  else if (t === 'n') ff = { type: 'g', precision: s.precision ?? 6 };
  else ff = { type: t.toLowerCase() as 'e' | 'f' | 'g', precision: s.precision ?? 6, upper: t !== t.toLowerCase() };
  ff.alt = s.alt;
  let { text, negative } = formatFloatAbs(x, ff);
  if (s.z && negative && /^[0.]*(e[+-]?0+)?$/i.test(text.replace(/e.*$/i, ''))) negative = false;
  text += suffix;
  const m = /^(\d*)(.*)$/s.exec(text)!;
  if (!/^\d/.test(text)) return assembleNumber(negative, '', '', text, { ...s, grouping: '' }, 3); // inf/nan
  return assembleNumber(negative, '', m[1], m[2], s, 3);
}

/** Python format(value, spec) (value.__format__(spec)). */
export function formatValue(v: Value, spec: string): string {
  if (v instanceof Undefined) throw undefinedError(v);
  if (spec === '') return pyStr(v);
  if (typeof v === 'string') {
    const s = parseSpec(spec, v);
    if (s.type !== '' && s.type !== 's') throw valueError(`Unknown format code '${s.type}' for object of type 'str'`);
    if (s.grouping) throw valueError(`Cannot specify '${s.grouping}' with 's'.`);
    if (s.sign === ' ') throw valueError('Space not allowed in string format specifier');
    if (s.sign) throw valueError('Sign not allowed in string format specifier');
    if (s.z) throw valueError('Negative zero coercion (z) not allowed in string format specifier');
    if (s.alt) throw valueError('Alternate form (#) not allowed in string format specifier');
    if (s.align === '=') throw valueError("'=' alignment not allowed in string format specifier");
    const text = s.precision === undefined ? v : chars(v).slice(0, s.precision).join('');
    return align(text, s, '<');
  }
  if (typeof v === 'number' || typeof v === 'boolean') {
    const s = parseSpec(spec, v);
    const n = Number(v);
    if ('eEfFgG%'.includes(s.type) && s.type !== '') return formatFloat(n, s);
    if (!'bcdoxXn'.includes(s.type) && s.type !== '') throw valueError(`Unknown format code '${s.type}' for object of type '${typeName(v)}'`);
    return formatInt(n, s);
  }
  if (v instanceof PyFloat) {
    const s = parseSpec(spec, v);
    if (s.type !== '' && !'eEfFgGn%'.includes(s.type)) throw valueError(`Unknown format code '${s.type}' for object of type 'float'`);
    return formatFloat(v.value, s);
  }
  throw typeError(`unsupported format string passed to ${typeName(v)}.__format__`);
}

// ---------------------------------------------------------------- str.format

/** Python's getattr(obj, name) as `{0.name}` does it (not Jinja's attribute-or-item). */
function pyGetattr(obj: Value, name: string): Value {
  const v = pyGetattrRaw(obj, name);
  // the sandbox's formatter looks attributes up through the sandbox: '_' names are unsafe
  if (name.startsWith('_')) throw new JinjaError('TemplateRuntimeError', `access to attribute '${name}' of '${typeName(obj)}' object is unsafe.`);
  return v;
}
function pyGetattrRaw(obj: Value, name: string): Value {
  if (obj instanceof Undefined) throw undefinedError(obj);
  if (obj instanceof Namespace) { const v = obj.attrs.get(name); if (v !== undefined) return v; }
  else if (obj instanceof PyObject) { const v = obj.getattr(name); if (v !== undefined) return v; }
  else { const v = boundMethod(obj, name); if (v !== undefined) return v; }
  throw new JinjaError('AttributeError', `'${typeName(obj)}' object has no attribute '${name}'`);
}

/** Python's obj[key] as `{0[key]}` does it. */
function pyGetitem(obj: Value, key: Value): Value {
  if (obj instanceof Undefined) throw undefinedError(obj);
  if (obj instanceof Map) {
    const v = dictGet(obj, key);
    if (v === undefined) throw new JinjaError('KeyError', pyRepr(key));
    return v;
  }
  if (Array.isArray(obj) || typeof obj === 'string') {
    const kind = typeof obj === 'string' ? 'string' : typeName(obj);
    if (typeof key !== 'number') {
      throw typeError(typeof obj === 'string' ? `string indices must be integers, not '${typeName(key)}'` : `${kind} indices must be integers or slices, not ${typeName(key)}`);
    }
    const seq = typeof obj === 'string' ? chars(obj) : obj;
    const i = key < 0 ? key + seq.length : key;
    if (i < 0 || i >= seq.length) throw new JinjaError('IndexError', `${kind} index out of range`);
    return seq[i]!;
  }
  if (obj instanceof PyObject) {
    const v = obj.getitem(key);
    if (v === undefined) throw new JinjaError('KeyError', pyRepr(key));
    return v;
  }
  throw typeError(`'${typeName(obj)}' object is not subscriptable`);
}

interface FormatState { args: Value[]; kwargs: Kwargs; mapping: Value | undefined; auto: number; mode: 'none' | 'auto' | 'manual' }

function lookupField(field: string, st: FormatState): Value {
  // the first part ends at '.' or '['
  const m = /^[^.[]*/.exec(field)!;
  const first = m[0];
  let rest = field.slice(first.length);
  let obj: Value;
  if (first === '' || /^\d+$/.test(first)) {
    if (st.mapping !== undefined) throw valueError('Format string contains positional fields');
    let idx: number;
    if (first === '') {
      if (st.mode === 'manual') throw valueError('cannot switch from manual field specification to automatic field numbering');
      st.mode = 'auto';
      idx = st.auto++;
    } else {
      if (st.mode === 'auto') throw valueError('cannot switch from automatic field numbering to manual field specification');
      st.mode = 'manual';
      idx = Number(first);
    }
    if (idx >= st.args.length) throw new JinjaError('IndexError', `Replacement index ${idx} out of range for positional args tuple`);
    obj = st.args[idx]!;
  } else {
    let got: Value | undefined;
    if (st.mapping !== undefined) {
      if (st.mapping instanceof Map) got = dictGet(st.mapping, first);
      else if (st.mapping instanceof PyObject) got = st.mapping.getitem(first);
      else throw typeError(`'${typeName(st.mapping)}' object is not subscriptable`);
    } else got = st.kwargs.get(first);
    if (got === undefined) throw new JinjaError('KeyError', pyRepr(first));
    obj = got;
  }
  while (rest) {
    if (rest[0] === '.') {
      const a = /^\.([^.[]*)/.exec(rest)!;
      if (!a[1]) throw valueError('Empty attribute in format string');
      obj = pyGetattr(obj, a[1]);
      rest = rest.slice(a[0].length);
    } else if (rest[0] === '[') {
      const close = rest.indexOf(']');
      if (close < 0) throw valueError("Missing ']' in format string");
      const k = rest.slice(1, close);
      if (!k) throw valueError('Empty attribute in format string');
      obj = pyGetitem(obj, /^\d+$/.test(k) ? Number(k) : k);
      rest = rest.slice(close + 1);
      if (rest && rest[0] !== '.' && rest[0] !== '[') throw valueError('Only \'.\' or \'[\' may follow \']\' in format field specifier');
    } else {
      throw valueError('Only \'.\' or \'[\' may follow \']\' in format field specifier');
    }
  }
  return obj;
}

function render(fmt: string, st: FormatState, depth: number): string {
  if (depth > 2) throw valueError('Max string recursion exceeded');
  let out = '';
  let i = 0;
  const n = fmt.length;
  while (i < n) {
    const c = fmt[i];
    if (c === '}') {
      if (fmt[i + 1] === '}') { out += '}'; i += 2; continue; }
      throw valueError("Single '}' encountered in format string");
    }
    if (c !== '{') { out += c; i++; continue; }
    if (fmt[i + 1] === '{') { out += '{'; i += 2; continue; }
    // a replacement field: find its end, counting nested braces in the spec
    let j = i + 1;
    let level = 1;
    let inSpec = false;
    while (j < n) {
      const d = fmt[j];
      if (d === '[' && !inSpec) {
        // an index in the field name may hold braces: skip to its ']'
        const k = fmt.indexOf(']', j);
        if (k < 0) { j = n; break; }
        j = k + 1;
        continue;
      }
      if ((d === ':' || d === '!') && level === 1) inSpec = true;
      if (d === '{') level++;
      else if (d === '}') { level--; if (level === 0) break; }
      j++;
    }
    if (j >= n) {
      throw valueError(level > 1 || fmt.slice(i + 1).length > 0 ? "expected '}' before end of string" : "Single '{' encountered in format string");
    }
    const field = fmt.slice(i + 1, j);
    i = j + 1;
    // field name up to '!' or ':' (brackets may contain them)
    let k = 0;
    while (k < field.length && field[k] !== '!' && field[k] !== ':') {
      if (field[k] === '[') { const e = field.indexOf(']', k); k = e < 0 ? field.length : e + 1; } else k++;
    }
    const name = field.slice(0, k);
    let conv: string | undefined;
    let spec = '';
    if (field[k] === '!') {
      if (k + 1 >= field.length) throw valueError("unmatched '{' in format spec");
      conv = field[k + 1];
      if (k + 2 < field.length && field[k + 2] !== ':') throw valueError("expected ':' after conversion specifier");
      spec = field.slice(k + 3);
    } else if (field[k] === ':') {
      spec = field.slice(k + 1);
    }
    if (name.includes('{')) throw valueError("unexpected '{' in field name");
    let value = lookupField(name, st);
    if (conv !== undefined) {
      if (conv === 'r') value = pyRepr(value);
      else if (conv === 's') value = pyStr(value);
      else if (conv === 'a') value = pyAscii(value);
      else throw valueError(`Unknown conversion specifier ${conv}`);
    }
    if (spec.includes('{')) spec = render(spec, st, depth + 1);
    out += formatValue(value, spec);
  }
  return out;
}

/** Python fmt.format(*args, **kwargs), or fmt.format_map(mapping) when mapping is given. */
export function strFormat(fmt: string, args: Value[], kwargs: Kwargs, mapping?: Value): string {
  return render(fmt, { args, kwargs, mapping, auto: 0, mode: 'none' }, 0);
}
