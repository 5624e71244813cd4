// Jinja2's generator-returning filters: lazy, iterable once, no len(), printed as generators;
// groupby's (grouper, list) namedtuples; the filter/test tests asking the environment.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { builtinFilters } from '../../../states/jinja/builtins/filters.js';
import { PyIterator } from '../../../states/jinja/builtins/support.js';
import { builtinTests } from '../../../states/jinja/builtins/tests.js';
import { JinjaError } from '../../../states/jinja/errors.js';
import { getattr } from '../../../states/jinja/py/ops.js';
import { NamedTuple, type Kwargs, type Value } from '../../../states/jinja/values.js';
import { makeEnv } from './builtins-env.js';

const none: Kwargs = new Map();
const env = makeEnv();
const filter = (name: string, value: Value, args: Value[] = [], kwargs: Kwargs = none): Value => builtinFilters[name](env, value, args, kwargs);

test('map is lazy: the filter runs per item as the result is consumed, once', () => {
  const calls: Value[] = [];
  const countingEnv = { ...env, callFilter: (name: string, v: Value, a: Value[], k: Kwargs) => { calls.push(v); return env.callFilter(name, v, a, k); } };
  const g = builtinFilters.map(countingEnv, ['a', 'b', 'c'], ['upper'], none);
  assert.ok(g instanceof PyIterator);
  assert.deepEqual(calls, []);
  assert.equal(filter('first', g), 'A');
  assert.deepEqual(calls, ['a']);
  assert.deepEqual(filter('list', g), ['B', 'C']);
  assert.deepEqual(filter('list', g), [], 'a generator is consumed once');
});

test('generators print as Python generators and have no length', () => {
  const g = filter('select', [1, 2]);
  assert.ok(g instanceof PyIterator);
  assert.match(g.str(), /^<generator object select_or_reject at 0x[0-9a-f]+>$/);
  assert.match((filter('map', [1], ['string']) as PyIterator).str(), /^<generator object sync_do_map at 0x/);
  assert.match((filter('reverse', [1, 2]) as PyIterator).str(), /^<list_reverseiterator object at 0x/);
  assert.throws(() => filter('length', g), (e: unknown) => e instanceof JinjaError && e.kind === 'TypeError' && e.message === "object of type 'generator' has no len()");
});

test('errors inside a generator surface when it is consumed, as in Jinja2', () => {
  const g = filter('items', [1]);
  assert.ok(g instanceof PyIterator);
  assert.throws(() => filter('list', g), (e: unknown) => e instanceof JinjaError && e.message === 'Can only get item pairs from a mapping.');
});

test('groupby gives namedtuples with grouper and list attributes', () => {
  const rows = [new Map<Value, Value>([['c', 'x'], ['n', 1]]), new Map<Value, Value>([['c', 'y'], ['n', 2]]), new Map<Value, Value>([['c', 'x'], ['n', 3]])];
  const groups = filter('groupby', rows, ['c']) as Value[];
  assert.equal(groups.length, 2);
  const first = groups[0];
  assert.ok(first instanceof NamedTuple);
  assert.equal(getattr(first, 'grouper'), 'x');
  assert.deepEqual(getattr(first, 'list'), [rows[0], rows[2]]);
  assert.equal(first[0], 'x');
});

test('the filter and test tests ask the environment, and say so when it cannot answer', () => {
  assert.equal(builtinTests.filter(env, 'upper', [], none), true);
  assert.equal(builtinTests.filter(env, 'nosuch', [], none), false);
  assert.equal(builtinTests.test(env, 'odd', [], none), true);
  const bare = { strictUndefined: true, callFilter: env.callFilter, callTest: env.callTest };
  assert.throws(() => builtinTests.filter(bare, 'upper', [], none), (e: unknown) => e instanceof JinjaError && e.kind === 'NotProvided');
});

test('every filter and test name of Jinja2 3.1 is there', () => {
  const filters = ['abs', 'attr', 'batch', 'capitalize', 'center', 'count', 'd', 'default', 'dictsort', 'e', 'escape', 'filesizeformat',
    'first', 'float', 'forceescape', 'format', 'groupby', 'indent', 'int', 'join', 'last', 'length', 'list', 'lower', 'items', 'map', 'min',
    'max', 'pprint', 'random', 'reject', 'rejectattr', 'replace', 'reverse', 'round', 'safe', 'select', 'selectattr', 'slice', 'sort',
    'string', 'striptags', 'sum', 'title', 'trim', 'truncate', 'unique', 'upper', 'urlencode', 'urlize', 'wordcount', 'wordwrap',
    'xmlattr', 'tojson'];
  assert.deepEqual(Object.keys(builtinFilters).sort(), filters.sort());
  const tests = ['odd', 'even', 'divisibleby', 'defined', 'undefined', 'filter', 'test', 'none', 'boolean', 'false', 'true', 'integer',
    'float', 'lower', 'upper', 'string', 'mapping', 'number', 'sequence', 'iterable', 'callable', 'sameas', 'escaped', 'in', '==', 'eq',
    'equalto', '!=', 'ne', '>', 'gt', 'greaterthan', 'ge', '>=', '<', 'lt', 'lessthan', '<=', 'le'];
  assert.deepEqual(Object.keys(builtinTests).sort(), tests.sort());
});
