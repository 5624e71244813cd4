/**
 * A minimal EvalEnv over the builtin tables (what the engine's Environment provides), and
 * the value encoding of builtins-cases.ts.
 */
import type { EvalEnv } from '../../../states/jinja/api.js';
import { builtinFilters } from '../../../states/jinja/builtins/filters.js';
import { PyIterator } from '../../../states/jinja/builtins/support.js';
import { builtinTests } from '../../../states/jinja/builtins/tests.js';
import { JinjaError } from '../../../states/jinja/errors.js';
import { DictView } from '../../../states/jinja/py/methods.js';
import { pyRepr } from '../../../states/jinja/py/ops.js';
import { PyFloat, Tuple, Undefined, type Dict, type Kwargs, type Value } from '../../../states/jinja/values.js';

export function makeEnv(strict = true): EvalEnv {
  const env: EvalEnv = {
    strictUndefined: strict,
    callFilter(name, value, args, kwargs) {
      const f = builtinFilters[name];
      if (!f) throw new JinjaError('TemplateRuntimeError', `No filter named '${name}'.`);
      return f(env, value, args, kwargs);
    },
    callTest(name, value, args, kwargs) {
      const t = builtinTests[name];
      if (!t) throw new JinjaError('TemplateRuntimeError', `No test named '${name}'.`);
      return t(env, value, args, kwargs);
    },
    hasFilter: (name) => Object.hasOwn(builtinFilters, name),
    hasTest: (name) => Object.hasOwn(builtinTests, name),
  };
  return env;
}

/** The JSON encoding of the generator script: $f float, $t tuple, $u undefined, $m dict with any keys, $g generator, $v dict view. */
export function decode(v: unknown): Value {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(decode);
  const o = v as Record<string, unknown>;
  if ('$f' in o) return new PyFloat(o.$f as number);
  if ('$t' in o) return Tuple.make((o.$t as unknown[]).map(decode));
  if ('$u' in o) return new Undefined(o.$u as string);
  if ('$m' in o) return new Map((o.$m as [unknown, unknown][]).map(([k, x]) => [decode(k), decode(x)]));
  if ('$v' in o) {
    const [kind, d] = o.$v as ['keys' | 'values' | 'items', unknown];
    return new DictView(decode(d) as Dict, kind);
  }
  if ('$g' in o) return new PyIterator('generator', '<genexpr>', (o.$g as unknown[]).map(decode)[Symbol.iterator]());
  const d: Dict = new Map();
  for (const [k, x] of Object.entries(o)) d.set(k, decode(x));
  return d;
}

export const decodeKwargs = (o: Record<string, unknown>): Kwargs => new Map(Object.entries(o).map(([k, v]) => [k, decode(v)]));

/** What the generator script prints for a result: repr, Undefined(message), <iterator type>[items]. */
export function show(r: Value): string {
  if (r instanceof Undefined) return `Undefined(${r.hint ?? `'${r.name}' is undefined`})`;
  if (r instanceof PyIterator) return `<${r.typeName}>${pyRepr([...r.iter()])}`;
  return pyRepr(r);
}

/** Runs a call the way the script did: the result shown, or "!Kind: message". */
export function outcome(call: () => Value): string {
  try {
    return show(call());
  } catch (e) {
    if (e instanceof JinjaError) return `!${e.kind}: ${e.message}`;
    throw e;
  }
}
