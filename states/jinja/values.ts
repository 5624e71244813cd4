/**
 * The value model of umec's Jinja2 engine: Python values as the templates see them.
 * Shared by the engine (parser/evaluator), the Python runtime (operators, printing,
 * methods, formatting), the builtin filters/tests and Salt's layer.
 *
 *   Python            here
 *   None              null
 *   bool              boolean
 *   int               number (always integral)
 *   float             PyFloat (boxed, so 1.0 prints "1.0" and 4/2 is 2.0)
 *   str               string
 *   list              Array (plain JS array, mutable)
 *   tuple             Tuple (an Array subclass; methods that copy return plain arrays)
 *   dict              Map (insertion order, any key)
 *   Undefined         Undefined (StrictUndefined by default: any use but `is defined`/`default` fails)
 *   namespace()       Namespace
 *   callable          PyFunction (positional args + keyword args)
 *   other objects     PyObject (salt, loop, cycler, ...: attribute and item access through hooks)
 *
 * Values from outside (grains, pillar, opts, JSON/YAML) go through toPy once; values that
 * leave the engine (data for YAML/JSON serialisation, arguments to native code) through fromPy.
 */

export class PyFloat {
  constructor(readonly value: number) {}
}

export class Tuple<T = Value> extends Array<T> {
  // map/filter/slice on a tuple give plain arrays (lists); build tuples with Tuple.from
  static get [Symbol.species](): ArrayConstructor { return Array; }
  static make<T>(items: Iterable<T>): Tuple<T> {
    const t = new Tuple<T>();
    for (const i of items) t.push(i);
    return t;
  }
}

/**
 * Python's range object: an immutable sequence (indexing, len, in, iteration, count/index as a
 * tuple has them) that prints as `range(start, stop[, step])`.
 */
export class PyRange extends Tuple<number> {
  static get [Symbol.species](): ArrayConstructor { return Array; }
  start = 0;
  stop = 0;
  step = 1;
  static create(start: number, stop: number, step: number, count: number): PyRange {
    const r = new PyRange();
    r.start = start; r.stop = stop; r.step = step;
    for (let i = 0; i < count; i++) r.push(start + i * step);
    return r;
  }
}

/**
 * A namedtuple (e.g. the groupby filter's (grouper, list)): prints and compares as a tuple,
 * and its items are also attributes named by `fields`.
 */
export class NamedTuple<T = Value> extends Tuple<T> {
  readonly fields: readonly string[];
  constructor(fields: readonly string[], items: readonly T[]) {
    super();
    this.fields = fields;
    for (const i of items) this.push(i);
  }
  /** The item named `field`, undefined (JS) when there is no such field. */
  field(name: string): T | undefined {
    const i = this.fields.indexOf(name);
    return i < 0 ? undefined : this[i];
  }
}

export type Dict = Map<Value, Value>;
export type Kwargs = Map<string, Value>;

/** An undefined name or attribute; `hint` says what was looked up ("'dict object' has no attribute 'x'"). */
export class Undefined {
  /**
   * `lenient`: behaves like jinja2.Undefined even under StrictUndefined (Jinja2 uses the
   * plain Undefined for the missing else of `a if c`).
   */
  constructor(readonly name: string | undefined, readonly hint?: string, readonly lenient = false,
    /** the error using it raises (the sandbox's unsafe attributes raise SecurityError, a TemplateRuntimeError) */
    readonly errorKind: 'UndefinedError' | 'TemplateRuntimeError' = 'UndefinedError') {}
}

/** jinja2's namespace(): attributes assignable with `{% set ns.x = ... %}`. */
export class Namespace {
  readonly attrs = new Map<string, Value>();
}

export type NativeCall = (args: Value[], kwargs: Kwargs) => Value;

/** Anything callable from a template: builtins, bound methods, salt functions, macros. */
export class PyFunction {
  constructor(readonly name: string, readonly call: NativeCall) {}
}

/**
 * An object with Python-like attribute/item access (e.g. `salt`, `loop`).
 * Each hook returns undefined (JS) when the attribute/item does not exist.
 */
export abstract class PyObject {
  abstract readonly typeName: string;
  getattr(_name: string): Value | undefined { return undefined; }
  getitem(_key: Value): Value | undefined { return undefined; }
  /** Iteration (for loops, list()); undefined when not iterable. */
  iter(): Iterable<Value> | undefined { return undefined; }
  /** str(obj) */
  str(): string { return `<${this.typeName} object>`; }
}

export type Value =
  | null | boolean | number | string | PyFloat
  | Value[] | Tuple | Map<Value, Value>
  | Undefined | Namespace | PyFunction | PyObject;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/**
 * A JS value (parsed JSON/YAML, grains) as a Python value: objects become Maps, non-integral
 * numbers PyFloat, undefined None. Already-Python values pass through unchanged.
 */
export function toPy(v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? v : new PyFloat(v);
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Tuple) return v;
  if (Array.isArray(v)) return v.map(toPy);
  if (v instanceof Map) {
    const m: Dict = new Map();
    for (const [k, x] of v) m.set(toPy(k), toPy(x));
    return m;
  }
  if (v instanceof PyFloat || v instanceof Undefined || v instanceof Namespace || v instanceof PyFunction || v instanceof PyObject) return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'function') {
    const f = v as (...a: unknown[]) => unknown;
    return new PyFunction(f.name || 'function', (args) => toPy(f(...args.map(fromPy))));
  }
  if (isPlainObject(v)) {
    const m: Dict = new Map();
    for (const [k, x] of Object.entries(v)) m.set(k, toPy(x));
    return m;
  }
  return String(v);
}

/** A Python value as plain JS data (for YAML/JSON output and native code). */
export function fromPy(v: Value | undefined): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(fromPy);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[k === null ? 'null' : k instanceof PyFloat ? String(k.value) : String(k)] = fromPy(x);
    return o;
  }
  if (v instanceof Namespace) return fromPy(new Map(v.attrs));
  if (v instanceof Undefined) return null;
  return v;
}
