/**
 * The tojson filter: Jinja2's htmlsafe_json_dumps, i.e. Python's json.dumps(value,
 * sort_keys=True, indent=indent) with <, >, & and ' written as \u escapes.
 */
import type { EvalEnv } from '../api.js';
import { typeError } from '../errors.js';
import { pyRepr, typeName } from '../py/ops.js';
import { PyFloat, Undefined, type Value } from '../values.js';
import { pySorted } from './support.js';

/** json's ensure_ascii string encoding */
function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return pyRepr(new PyFloat(x));
}

function jsonKey(k: Value): string {
  if (typeof k === 'string') return k;
  if (k === true) return 'true';
  if (k === false) return 'false';
  if (k === null) return 'null';
  if (typeof k === 'number') return String(k);
  if (k instanceof PyFloat) return jsonFloat(k.value);
  throw typeError(`keys must be str, int, float, bool or None, not ${typeName(k)}`);
}

/** json.dumps(value, sort_keys=True, indent=indent) */
export function jsonDumps(env: EvalEnv, value: Value, indent: string | null): string {
  const itemSep = indent === null ? ', ' : ',';
  const enc = (v: Value, level: number): string => {
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return String(v);
    if (v instanceof PyFloat) return jsonFloat(v.value);
    if (typeof v === 'string') return jsonString(v);
    const nl = indent === null ? '' : `\n${indent.repeat(level + 1)}`;
    const close = indent === null ? '' : `\n${indent.repeat(level)}`;
    if (Array.isArray(v)) {
      if (!v.length) return '[]';
      return `[${nl}${v.map((x) => enc(x, level + 1)).join(itemSep + nl)}${close}]`;
    }
    if (v instanceof Map) {
      if (!v.size) return '{}';
      const sorted = pySorted([...v.keys()], (k) => k);
      return `{${nl}${sorted.map((k) => `${jsonString(jsonKey(k))}: ${enc(v.get(k)!, level + 1)}`).join(itemSep + nl)}${close}}`;
    }
    const name = v instanceof Undefined ? (env.strictUndefined ? 'StrictUndefined' : 'Undefined') : typeName(v);
    throw typeError(`Object of type ${name} is not JSON serializable`);
  };
  return enc(value, 0);
}

export function htmlsafeJsonDumps(env: EvalEnv, value: Value, indent: string | null): string {
  return jsonDumps(env, value, indent)
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
}
