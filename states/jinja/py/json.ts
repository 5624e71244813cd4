/**
 * Python's json.dumps for template values (Jinja2's tojson, Salt's `json` filter and
 * slsutil.serialize('json')):
 * ", " and ": " separators, Python float repr, NaN/Infinity, keys turned to strings as Python
 * does, sort_keys failing on keys Python cannot order.
 */
import { pySorted } from '../builtins/support.js';
import { typeError } from '../errors.js';
import { PyFloat, Undefined, type Value } from '../values.js';
import { pyRepr, typeName } from './ops.js';

export interface JsonOptions {
  sortKeys?: boolean;
  indent?: number | string | null;
  ensureAscii?: boolean;
  separators?: [string, string];
  /** how an Undefined is named when it cannot be serialised (StrictUndefined under Salt) */
  strictUndefined?: boolean;
}

function floatJson(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return pyRepr(new PyFloat(v));
}

function str(s: string, ascii: boolean): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (cp < 0x20 || (ascii && cp > 0x7e)) {
      if (cp > 0xffff) {
        const v = cp - 0x10000;
        out += `\\u${(0xd800 + (v >> 10)).toString(16).padStart(4, '0')}\\u${(0xdc00 + (v & 0x3ff)).toString(16).padStart(4, '0')}`;
      } else out += `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

function keyString(k: Value): string {
  if (typeof k === 'string') return k;
  if (k === true) return 'true';
  if (k === false) return 'false';
  if (k === null) return 'null';
  if (typeof k === 'number') return String(k);
  if (k instanceof PyFloat) return floatJson(k.value);
  throw typeError(`keys must be str, int, float, bool or None, not ${typeName(k)}`);
}

/** json.dumps(value, sort_keys=..., indent=..., ensure_ascii=...). */
export function jsonDumps(value: Value, o: JsonOptions = {}): string {
  const ascii = o.ensureAscii ?? true;
  const indent = o.indent === null || o.indent === undefined ? undefined : typeof o.indent === 'number' ? ' '.repeat(o.indent) : o.indent;
  const [itemSep, keySep] = o.separators ?? (indent !== undefined ? [',', ': '] : [', ', ': ']);
  const enc = (v: Value, level: number): string => {
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return String(v);
    if (v instanceof PyFloat) return floatJson(v.value);
    if (typeof v === 'string') return str(v, ascii);
    const nl = indent !== undefined ? `\n${indent.repeat(level + 1)}` : '';
    const close = indent !== undefined ? `\n${indent.repeat(level)}` : '';
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[${nl}${v.map((x) => enc(x, level + 1)).join(itemSep + nl)}${close}]`;
    }
    if (v instanceof Map) {
      if (v.size === 0) return '{}';
      const items = o.sortKeys ? pySorted([...v], ([k]) => k) : [...v];
      return `{${nl}${items.map(([k, x]) => `${str(keyString(k), ascii)}${keySep}${enc(x, level + 1)}`).join(itemSep + nl)}${close}}`;
    }
    const name = v instanceof Undefined ? (o.strictUndefined ? 'StrictUndefined' : 'Undefined') : typeName(v);
    throw typeError(`Object of type ${name} is not JSON serializable`);
  };
  return enc(value, 0);
}
