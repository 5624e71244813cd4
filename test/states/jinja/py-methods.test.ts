/**
 * Python methods of str/list/tuple/dict/int/float as templates call them (bound through
 * getattr), against Python 3.11: test/fixtures/jinja-py/py-methods.json (gen_methods.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, getattr, iterate, len, pyRepr, pyStr, compare } from '../../../states/jinja/py/ops.js';
import { PyFunction, type Value } from '../../../states/jinja/values.js';
import { dec, loadCases, run, same, type Outcome } from './py-fixture.js';

interface Case extends Outcome { obj: unknown; name: string; args: unknown[]; kwargs: Record<string, unknown>; after: string }
const { methods } = loadCases<{ methods: Case[] }>('py-methods.json');

function invoke(c: Case): { got: Outcome; after: string } {
  const obj = dec(c.obj);
  const got = run(() => {
    const m = getattr(obj, c.name);
    assert.ok(m instanceof PyFunction, `${c.name} is a method`);
    return call(m, c.args.map(dec), new Map(Object.entries(c.kwargs).map(([k, v]) => [k, dec(v)])));
  });
  return { got, after: pyRepr(obj) };
}

test('str, list, tuple, dict, int and float methods return what Python returns and mutate like it', () => {
  const bad: unknown[] = [];
  for (const c of methods) {
    const { got, after } = invoke(c);
    const want: Outcome = c.err !== undefined ? { err: c.err, msg: c.msg } : { ok: c.ok };
    if (!same(got, want) || after !== c.after) bad.push({ obj: c.obj, name: c.name, args: c.args, kwargs: c.kwargs, want, got, after, wantAfter: c.after });
  }
  assert.deepEqual(bad.slice(0, 15).map((b) => JSON.stringify(b)), [], `${bad.length} of ${methods.length} differ`);
});

test('dict views print like Python, stay live and iterate', () => {
  const d = new Map<Value, Value>([['a', 1]]);
  const items = call(getattr(d, 'items'), [], new Map());
  const keys = call(getattr(d, 'keys'), [], new Map());
  assert.equal(pyStr(items), "dict_items([('a', 1)])");
  assert.equal(pyStr(call(getattr(d, 'values'), [], new Map())), 'dict_values([1])');
  d.set('b', 2);
  assert.equal(pyStr(keys), "dict_keys(['a', 'b'])");
  assert.equal(len(items), 2);
  assert.equal(pyRepr(iterate(items)), "[('a', 1), ('b', 2)]");
  assert.equal(compare('in', 'b', keys), true);
  assert.equal(compare('in', 'z', keys), false);
  assert.equal(compare('==', keys, call(getattr(new Map<Value, Value>([['b', 0], ['a', 0]]), 'keys'), [], new Map())), true);
});

test('methods Python has but umec does not provide fail by name; unknown ones are missing attributes', () => {
  const enc = getattr('x', 'encode');
  assert.ok(enc instanceof PyFunction);
  assert.throws(() => call(enc, [], new Map()), { name: 'NotProvided', message: 'Python method str.encode is not provided' });
  assert.throws(() => call(getattr([1], '__sizeof__'), [], new Map()), { name: 'NotProvided' });
  assert.equal(pyRepr(getattr('x', 'nosuch')), 'Undefined');
});

test('sort with a key function and mixed types', () => {
  const l: Value = [[2, 'b'], [1, 'c'], [3, 'a']];
  const key = new PyFunction('second', (args) => (args[0] as Value[])[1]!);
  call(getattr(l, 'sort'), [], new Map<string, Value>([['key', key]]));
  assert.equal(pyRepr(l), "[[3, 'a'], [2, 'b'], [1, 'c']]");
  assert.throws(() => call(getattr([1, 'a'], 'sort'), [], new Map()), { name: 'TypeError', message: "'<' not supported between instances of 'str' and 'int'" });
});
