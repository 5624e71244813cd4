/** Numeric filters: abs, int, float, round, filesizeformat. */
import type { FilterFn } from '../api.js';
import { JinjaError, typeError, valueError } from '../errors.js';
import { typeName } from '../py/ops.js';
import { PyFloat, Undefined, type Value } from '../values.js';
import { formatFixed, parsePyFloat, parsePyInt, roundFloat, roundInt } from './pynumber.js';
import { bind, bool, failUndefined, filterArgumentError, pyIndex } from './support.js';

/** type(v).__name__ as Python names an Undefined of this environment. */
const undefinedTypeName = (strict: boolean): string => (strict ? 'StrictUndefined' : 'Undefined');

const abs: FilterFn = (env, value, args, kwargs) => {
  bind('abs', args, kwargs, []);
  if (typeof value === 'number') return Math.abs(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof PyFloat) return new PyFloat(Math.abs(value.value));
  const name = value instanceof Undefined ? undefinedTypeName(env.strictUndefined) : typeName(value);
  throw typeError(`bad operand type for abs(): '${name}'`);
};

/** Python float(v): ValueError for a bad string, TypeError for a non-number. */
export function pyFloat(value: Value): number {
  failUndefined(value);
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof PyFloat) return value.value;
  if (typeof value === 'string') return parsePyFloat(value);
  throw typeError(`float() argument must be a string or a real number, not '${typeName(value)}'`);
}

const isConversionError = (e: unknown): boolean => e instanceof JinjaError && (e.kind === 'TypeError' || e.kind === 'ValueError');

/** int(float) */
function truncFloat(x: number): number {
  if (Number.isNaN(x)) throw valueError('cannot convert float NaN to integer');
  if (!Number.isFinite(x)) throw new JinjaError('OverflowError', 'cannot convert float infinity to integer');
  return Math.trunc(x) + 0; // + 0 turns -0 into 0
}

/** int(v) for a non-string */
function pyInt(value: Value): number {
  failUndefined(value);
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof PyFloat) return truncFloat(value.value);
  throw typeError(`int() argument must be a string, a bytes-like object or a real number, not '${typeName(value)}'`);
}

const int: FilterFn = (_env, value, args, kwargs) => {
  const [dflt, base] = bind('do_int', args, kwargs, [['default', 0], ['base', 10]]);
  try {
    if (typeof value === 'string') {
      if (typeof base !== 'number' && typeof base !== 'boolean') throw typeError(`'${typeName(base)}' object cannot be interpreted as an integer`);
      return parsePyInt(value, Number(base));
    }
    return pyInt(value);
  } catch (e) {
    if (!isConversionError(e)) throw e;
    // Jinja2's quirk so that "42.23"|int gives 42
    try {
      return truncFloat(pyFloat(value));
    } catch (e2) {
      if (isConversionError(e2) || (e2 instanceof JinjaError && e2.kind === 'OverflowError')) return dflt!;
      throw e2;
    }
  }
};

const float: FilterFn = (_env, value, args, kwargs) => {
  const [dflt] = bind('do_float', args, kwargs, [['default', new PyFloat(0)]]);
  try {
    return new PyFloat(pyFloat(value));
  } catch (e) {
    if (isConversionError(e)) return dflt!;
    throw e;
  }
};

const round: FilterFn = (env, value, args, kwargs) => {
  const [precision, method] = bind('do_round', args, kwargs, [['precision', 0], ['method', 'common']]);
  if (method !== 'common' && method !== 'ceil' && method !== 'floor') throw filterArgumentError('method must be common, ceil or floor');
  if (method === 'common') {
    const isNum = typeof value === 'number' || typeof value === 'boolean' || value instanceof PyFloat;
    if (!isNum) {
      const name = value instanceof Undefined ? undefinedTypeName(env.strictUndefined) : typeName(value);
      throw typeError(`type ${name} doesn't define __round__ method`);
    }
    const nd = pyIndex(env, precision);
    if (value instanceof PyFloat) return new PyFloat(roundFloat(value.value, nd));
    return roundInt(Number(value), nd);
  }
  // math.ceil/floor(value * 10**precision) / 10**precision: always a float
  failUndefined(value);
  if (typeof value !== 'number' && typeof value !== 'boolean' && !(value instanceof PyFloat)) {
    throw typeError(`must be real number, not ${typeName(value)}`);
  }
  failUndefined(precision);
  const p = precision instanceof PyFloat ? precision.value : Number(precision);
  const scale = 10 ** p;
  const x = value instanceof PyFloat ? value.value : Number(value);
  const f = method === 'ceil' ? Math.ceil : Math.floor;
  return new PyFloat(f(x * scale) / scale);
};

const DECIMAL_PREFIXES = ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_PREFIXES = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

const filesizeformat: FilterFn = (env, value, args, kwargs) => {
  const [binary] = bind('do_filesizeformat', args, kwargs, [['binary', false]]);
  const bytes = pyFloat(value);
  const isBinary = bool(env, binary);
  const base = isBinary ? 1024 : 1000;
  const prefixes = isBinary ? BINARY_PREFIXES : DECIMAL_PREFIXES;
  if (bytes === 1) return '1 Byte';
  if (bytes < base) return `${truncFloat(bytes)} Bytes`;
  let unit = 0;
  for (let i = 0; i < prefixes.length; i++) {
    unit = Number(BigInt(base) ** BigInt(i + 2));
    if (bytes < unit) return `${formatFixed((base * bytes) / unit, 1)} ${prefixes[i]}`;
  }
  return `${formatFixed((base * bytes) / unit, 1)} ${prefixes[prefixes.length - 1]}`;
};

export const numberFilters: Record<string, FilterFn> = { abs, int, float, round, filesizeformat };
