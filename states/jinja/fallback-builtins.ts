/**
 * A handful of builtins so the engine works before states/jinja/builtins/ (branch
 * builtins) lands; the Environment registers the real ones over these.
 */
import type { FilterFn, TestFn } from './api.js';
import { typeError } from './errors.js';
import * as ops from './py/ops.js';
import { Namespace, PyFunction, Undefined, type Value } from './values.js';

export const fallbackFilters: Record<string, FilterFn> = {
  default: (_env, v, args) => (v instanceof Undefined ? (args[0] ?? '') : v),
  d: (_env, v, args) => (v instanceof Undefined ? (args[0] ?? '') : v),
  upper: (env, v) => ops.pyStr(v, env.strictUndefined).toUpperCase(),
  length: (_env, v) => ops.len(v),
  join: (env, v, args) => ops.iterate(v).map((x) => ops.pyStr(x, env.strictUndefined)).join(typeof args[0] === 'string' ? args[0] : ''),
};

export const fallbackTests: Record<string, TestFn> = {
  defined: (_env, v) => !(v instanceof Undefined),
  undefined: (_env, v) => v instanceof Undefined,
  none: (_env, v) => v === null,
  sameas: (_env, v, args) => v === args[0],
};

export const fallbackGlobals: Record<string, Value> = {
  namespace: new PyFunction('namespace', (args, kwargs) => {
    const ns = new Namespace();
    for (const a of args) if (a instanceof Map) for (const [k, x] of a) ns.attrs.set(String(k), x);
    for (const [k, x] of kwargs) ns.attrs.set(k, x);
    return ns;
  }),
  range: new PyFunction('range', (args) => {
    const nums = args.map((a) => { if (typeof a !== 'number') throw typeError('range() integer arguments expected'); return a; });
    const [start, stop, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
    const r: Value[] = [];
    if (step > 0) for (let i = start; i < stop; i += step) r.push(i);
    else if (step < 0) for (let i = start; i > stop; i += step) r.push(i);
    return r;
  }),
};
