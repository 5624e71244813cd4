/**
 * Python semantics for the engine's operators: truthiness, str()/repr(), ==, <, in,
 * arithmetic, attribute and item access, iteration. STUB SIGNATURES: the Python runtime
 * replaces these bodies with exact ones; the signatures are the contract.
 */
import { JinjaError, typeError } from '../errors.js';
import { NamedTuple, PyFloat, PyFunction, PyObject, Tuple, Undefined, Namespace, type Kwargs, type Value } from '../values.js';

export type BinOp = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '~';
export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

/** Python bool(v). Undefined: fails when strict. */
export function truthy(v: Value, strict = true): boolean {
  if (v instanceof Undefined) { if (strict) throw undefinedError(v); return false; }
  if (v === null || v === false || v === 0 || v === '') return false;
  if (v instanceof PyFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

/** Python str(v), as `{{ v }}` prints it. */
export function pyStr(v: Value, strict = true): string {
  if (v instanceof Undefined) { if (strict) throw undefinedError(v); return ''; }
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

/** Python repr(v). */
export function pyRepr(v: Value): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (v instanceof PyFloat) return Number.isInteger(v.value) ? `${v.value}.0` : String(v.value);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (v instanceof Tuple) return v.length === 1 ? `(${pyRepr(v[0]!)},)` : `(${v.map(pyRepr).join(', ')})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  if (v instanceof Namespace) return '<Namespace>';
  if (v instanceof PyFunction) return `<function ${v.name}>`;
  if (v instanceof PyObject) return v.str();
  return String(v);
}

export function undefinedError(u: Undefined): JinjaError {
  return new JinjaError('UndefinedError', u.hint ?? `'${u.name}' is undefined`);
}

export function binop(op: BinOp, a: Value, b: Value): Value {
  throw typeError(`binop ${op} not implemented yet (${pyRepr(a)}, ${pyRepr(b)})`);
}
export function unary(op: '-' | '+' | 'not', a: Value): Value {
  if (op === 'not') return !truthy(a);
  throw typeError(`unary ${op} not implemented yet`);
}
export function compare(op: CmpOp, a: Value, b: Value): boolean {
  throw typeError(`compare ${op} not implemented yet (${pyRepr(a)}, ${pyRepr(b)})`);
}
/** Python a == b. */
export function pyEq(a: Value, b: Value): boolean { return a === b; }

/**
 * Jinja2's environment.getattr(obj, name): attribute first (Python methods of str/list/dict
 * as bound PyFunctions, Namespace attributes, PyObject.getattr), then item; an Undefined
 * with a hint when neither exists.
 */
export function getattr(obj: Value, name: string): Value {
  if (obj instanceof NamedTuple) { const f = obj.field(name); if (f !== undefined) return f; }
  if (obj instanceof Map && obj.has(name)) return obj.get(name)!;
  return new Undefined(name, `'${typeName(obj)} object' has no attribute '${name}'`);
}
/** Jinja2's environment.getitem(obj, key): item first, then attribute. */
export function getitem(obj: Value, key: Value): Value {
  if (obj instanceof Map && obj.has(key)) return obj.get(key)!;
  if (Array.isArray(obj) && typeof key === 'number') return obj[key < 0 ? obj.length + key : key] ?? new Undefined(undefined, `${typeName(obj)} object has no element ${key}`);
  return new Undefined(String(key), `'${typeName(obj)} object' has no attribute '${pyStr(key)}'`);
}
/** obj[start:stop:step] */
export function slice(obj: Value, start: Value, stop: Value, step: Value): Value {
  throw typeError('slice not implemented yet');
}
/** iter(v): the items a for loop sees (dict: keys; str: characters). */
export function iterate(v: Value): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Map) return [...v.keys()];
  if (typeof v === 'string') return [...v];
  throw typeError(`'${typeName(v)}' object is not iterable`);
}
export function len(v: Value): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  throw typeError(`object of type '${typeName(v)}' has no len()`);
}
/** Calls a PyFunction (or a PyObject that is callable). */
export function call(f: Value, args: Value[], kwargs: Kwargs): Value {
  if (f instanceof PyFunction) return f.call(args, kwargs);
  if (f instanceof Undefined) throw undefinedError(f);
  throw typeError(`'${typeName(f)}' object is not callable`);
}
/** Python type(v).__name__ */
export function typeName(v: Value): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'int';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'string') return 'str';
  if (v instanceof Tuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  if (v instanceof Undefined) return 'Undefined';
  if (v instanceof Namespace) return 'Namespace';
  if (v instanceof PyFunction) return 'function';
  return v.typeName;
}
