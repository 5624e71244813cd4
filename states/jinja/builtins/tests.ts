/** Jinja2 3.1's builtin tests (`x is odd`, `x is defined`, ...). */
import type { EvalEnv, TestFn } from '../api.js';
import { notProvided, typeError } from '../errors.js';
import { binop, compare, pyEq, type CmpOp, undefinedError } from '../py/ops.js';
import { PyFloat, PyFunction, PyObject, Tuple, Undefined, type Value } from '../values.js';
import { bind, checkDefined, failUndefined, REQUIRED, str } from './support.js';

const test0 = (name: string, fn: (env: EvalEnv, v: Value) => boolean): TestFn => (env, value, args, kwargs) => {
  bind(name, args, kwargs, []);
  return fn(env, value);
};

/** `value % n == m`, as Python computes it (TypeError for a str, ZeroDivisionError for 0). */
function modEquals(env: EvalEnv, value: Value, n: Value, m: number): boolean {
  failUndefined(value);
  return pyEq(binop('%', value, n, env.strictUndefined), m, env.strictUndefined);
}

/** str(v).islower() / isupper(): some cased character, and none of the other case. */
function casedAs(s: string, upper: boolean): boolean {
  let cased = false;
  for (const ch of s) {
    const isUp = /\p{Uppercase}|\p{Lt}/u.test(ch);
    const isLow = /\p{Lowercase}/u.test(ch);
    if (upper ? (isLow || /\p{Lt}/u.test(ch)) : isUp) return false;
    if (upper ? isUp : isLow) cased = true;
  }
  return cased;
}

/**
 * The comparison tests. Undefined fails in both modes except for == and != in lenient mode,
 * where it is equal only to another Undefined.
 */
function cmpTest(op: CmpOp): TestFn {
  return (env, value, args, kwargs) => {
    const [other] = bind(op, args, kwargs, [['b', REQUIRED]]);
    for (const v of [value, other!]) {
      if (v instanceof Undefined) {
        if (env.strictUndefined || (op !== '==' && op !== '!=')) throw undefinedError(v);
        const same = value instanceof Undefined && other instanceof Undefined;
        return op === '==' ? same : !same;
      }
    }
    return compare(op, value, other, env.strictUndefined);
  };
}

const isNumber = (v: Value): boolean => typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;

// an Undefined has __call__ (calling it fails), so Python's callable() says True
const isCallable = (v: Value): boolean =>
  v instanceof PyFunction || v instanceof Undefined || (v instanceof PyObject && typeof (v as unknown as { call?: unknown }).call === 'function');

const sameas: TestFn = (_env, value, args, kwargs) => {
  const [other] = bind('test_sameas', args, kwargs, [['other', REQUIRED]]);
  return value === other;
};

/** `name in env.filters` / `env.tests`: hashing fails for a list or dict, and for a StrictUndefined. */
function registered(kind: 'filter' | 'test'): TestFn {
  return (env, value, args, kwargs) => {
    bind(`test_${kind}`, args, kwargs, []);
    checkDefined(env, value);
    if (Array.isArray(value) && !(value instanceof Tuple)) throw typeError("unhashable type: 'list'");
    if (value instanceof Map) throw typeError("unhashable type: 'dict'");
    if (typeof value !== 'string') return false;
    const has = kind === 'filter' ? env.hasFilter?.(value) : env.hasTest?.(value);
    if (has === undefined) throw notProvided(`the '${kind}' test in this environment`);
    return has;
  };
}

const inTest: TestFn = (env, value, args, kwargs) => {
  const [seq] = bind('test_in', args, kwargs, [['seq', REQUIRED]]);
  if (seq instanceof Undefined) { checkDefined(env, seq); return false; }
  if (value instanceof Undefined) {
    checkDefined(env, value);
    // a lenient Undefined equals only another Undefined; `in` a str needs a str
    if (typeof seq === 'string') throw typeError("'in <string>' requires string as left operand, not Undefined");
    if (Array.isArray(seq)) return seq.some((x) => x instanceof Undefined);
    if (seq instanceof Map) return [...seq.keys()].some((x) => x instanceof Undefined);
  }
  return compare('in', value, seq, env.strictUndefined);
};

export const builtinTests: Record<string, TestFn> = {
  odd: test0('test_odd', (e, v) => modEquals(e, v, 2, 1)),
  even: test0('test_even', (e, v) => modEquals(e, v, 2, 0)),
  divisibleby: (env, value, args, kwargs) => {
    const [num] = bind('test_divisibleby', args, kwargs, [['num', REQUIRED]]);
    return modEquals(env, value, num, 0);
  },
  defined: test0('test_defined', (_e, v) => !(v instanceof Undefined)),
  undefined: test0('test_undefined', (_e, v) => v instanceof Undefined),
  filter: registered('filter'),
  test: registered('test'),
  none: test0('test_none', (_e, v) => v === null),
  boolean: test0('test_boolean', (_e, v) => typeof v === 'boolean'),
  false: test0('test_false', (_e, v) => v === false),
  true: test0('test_true', (_e, v) => v === true),
  integer: test0('test_integer', (_e, v) => typeof v === 'number'),
  float: test0('test_float', (_e, v) => v instanceof PyFloat),
  lower: test0('test_lower', (env, v) => casedAs(str(env, v), false)),
  upper: test0('test_upper', (env, v) => casedAs(str(env, v), true)),
  string: test0('test_string', (_e, v) => typeof v === 'string'),
  mapping: test0('test_mapping', (_e, v) => v instanceof Map),
  number: test0('test_number', (_e, v) => isNumber(v)),
  // len() and __getitem__ (a lenient Undefined has both; a StrictUndefined fails len(), which the test swallows)
  sequence: test0('test_sequence', (env, v) =>
    typeof v === 'string' || Array.isArray(v) || v instanceof Map || (v instanceof Undefined && !env.strictUndefined)),
  // iter(); a StrictUndefined's failure is not a TypeError, so it propagates
  iterable: test0('test_iterable', (env, v) => {
    if (v instanceof Undefined) { checkDefined(env, v); return true; }
    return typeof v === 'string' || Array.isArray(v) || v instanceof Map || (v instanceof PyObject && v.iter() !== undefined);
  }),
  callable: test0('callable', (_e, v) => isCallable(v)),
  sameas,
  escaped: test0('test_escaped', () => false), // no Markup values: autoescape is off
  in: inTest,
  '==': cmpTest('=='), eq: cmpTest('=='), equalto: cmpTest('=='),
  '!=': cmpTest('!='), ne: cmpTest('!='),
  '>': cmpTest('>'), gt: cmpTest('>'), greaterthan: cmpTest('>'),
  '>=': cmpTest('>='), ge: cmpTest('>='),
  '<': cmpTest('<'), lt: cmpTest('<'), lessthan: cmpTest('<'),
  '<=': cmpTest('<='), le: cmpTest('<='),
};
