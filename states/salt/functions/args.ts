/** Python-style argument binding for salt functions: positional or keyword, with Salt's defaults. */
import { typeError } from '../../jinja/errors.js';
import { PyFunction, type Kwargs, type Value } from '../../jinja/values.js';

export type Params = readonly (readonly [string, Value | typeof REQUIRED])[];
export const REQUIRED = Symbol('required');

export interface Bound {
  a: Record<string, Value>;
  /** extra positional arguments (*args) */
  rest: Value[];
  /** extra keyword arguments (**kwargs) */
  extra: Kwargs;
}

/** Binds args/kwargs to params as Python would, raising Python's TypeError messages. */
export function bindArgs(fname: string, params: Params, args: Value[], kwargs: Kwargs, o: { varargs?: boolean; varkw?: boolean } = {}): Bound {
  const a: Record<string, Value> = {};
  const short = fname.split('.').pop()!;
  if (args.length > params.length && !o.varargs) {
    throw typeError(`${short}() takes ${params.length} positional argument${params.length === 1 ? '' : 's'} but ${args.length} were given`);
  }
  params.forEach(([name], i) => { if (i < args.length) a[name] = args[i]!; });
  const extra: Kwargs = new Map();
  for (const [k, v] of kwargs) {
    if (params.some(([n]) => n === k)) {
      if (k in a) throw typeError(`${short}() got multiple values for argument '${k}'`);
      a[k] = v;
    } else if (o.varkw || k.startsWith('__')) extra.set(k, v);
    else throw typeError(`${short}() got an unexpected keyword argument '${k}'`);
  }
  for (const [name, dflt] of params) {
    if (name in a) continue;
    if (dflt === REQUIRED) throw typeError(`${short}() missing 1 required positional argument: '${name}'`);
    a[name] = dflt;
  }
  return { a, rest: args.slice(params.length), extra };
}

/** A salt function as templates call it. */
export function saltFn(name: string, params: Params, body: (b: Bound) => Value, o: { varargs?: boolean; varkw?: boolean } = {}): PyFunction {
  return new PyFunction(name, (args, kwargs) => body(bindArgs(name, params, args, kwargs, o)));
}
