// The builtin globals against what Python Jinja2 3.1 (Salt's SandboxedEnvironment) gives.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { builtinGlobals, MAX_RANGE } from '../../../states/jinja/builtins/globals.js';
import { JinjaError } from '../../../states/jinja/errors.js';
import { pyRepr } from '../../../states/jinja/py/ops.js';
import { Namespace, PyFunction, PyObject, Tuple, Undefined, type Kwargs, type Value } from '../../../states/jinja/values.js';

const none: Kwargs = new Map();
function callGlobal(g: Record<string, Value>, name: string, args: Value[] = [], kwargs: Kwargs = none): Value {
  const f = g[name];
  assert.ok(f instanceof PyFunction, `${name} is callable`);
  return f.call(args, kwargs);
}
function method(obj: Value, name: string): Value {
  assert.ok(obj instanceof PyObject);
  const m = obj.getattr(name);
  assert.ok(m instanceof PyFunction, `${name} is a method`);
  return m.call([], none);
}
const fails = (fn: () => unknown, kind: string, message: string): void => {
  assert.throws(fn, (e: unknown) => e instanceof JinjaError && e.kind === kind && e.message === message);
};

test('range: start, stop and step as Python counts them', () => {
  const g = builtinGlobals();
  const items = (args: Value[]) => [...callGlobal(g, 'range', args) as number[]];
  assert.deepEqual(items([5]), [0, 1, 2, 3, 4]);
  assert.deepEqual(items([10, 0, -3]), [10, 7, 4, 1]);
  assert.deepEqual(items([2, 10, 3]), [2, 5, 8]);
  assert.deepEqual(items([0, -5]), []);
  assert.deepEqual(items([-3]), []);
  assert.deepEqual(items([true]), [0]);
  assert.equal(pyRepr(callGlobal(g, 'range', [2, 10, 3])), 'range(2, 10, 3)');
  assert.equal(pyRepr(callGlobal(g, 'range', [4])), 'range(0, 4)');
  assert.equal((callGlobal(g, 'range', [200000, 0, -2]) as number[]).length, 100000);
});

test('range: the sandbox limit and bad arguments fail as in Jinja2', () => {
  const g = builtinGlobals();
  assert.equal(MAX_RANGE, 100000);
  assert.equal((callGlobal(g, 'range', [100000]) as number[]).length, 100000);
  fails(() => callGlobal(g, 'range', [0, 200001, 2]), 'OverflowError', 'Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).');
  fails(() => callGlobal(g, 'range', [0, 5, 0]), 'ValueError', 'range() arg 3 must not be zero');
  fails(() => callGlobal(g, 'range', ['a']), 'TypeError', "'str' object cannot be interpreted as an integer");
  fails(() => callGlobal(g, 'range', [new Undefined('x')]), 'TypeError', "'StrictUndefined' object cannot be interpreted as an integer");
  fails(() => callGlobal(g, 'range', [1, 2, 3, 4]), 'TypeError', 'range expected at most 3 arguments, got 4');
  fails(() => callGlobal(g, 'range', []), 'TypeError', 'range expected at least 1 argument, got 0');
  fails(() => callGlobal(g, 'range', [], new Map([['a', 1]])), 'TypeError', "safe_range() got an unexpected keyword argument 'a'");
});

test('dict: keywords, a mapping, or pairs', () => {
  const g = builtinGlobals();
  assert.deepEqual(callGlobal(g, 'dict', [], new Map([['a', 1], ['b', 2]])), new Map([['a', 1], ['b', 2]]));
  assert.deepEqual(callGlobal(g, 'dict', [new Map([['a', 1]])], new Map([['b', 2]])), new Map([['a', 1], ['b', 2]]));
  assert.deepEqual(callGlobal(g, 'dict', [[Tuple.make(['a', 1])]]), new Map([['a', 1]]));
  assert.deepEqual(callGlobal(g, 'dict', [['ab', 'cd']]), new Map([['a', 'b'], ['c', 'd']]));
  assert.deepEqual(callGlobal(g, 'dict'), new Map());
  fails(() => callGlobal(g, 'dict', [[1]]), 'TypeError', 'cannot convert dictionary update sequence element #0 to a sequence');
  fails(() => callGlobal(g, 'dict', [[[1, 2, 3]]]), 'ValueError', 'dictionary update sequence element #0 has length 3; 2 is required');
  fails(() => callGlobal(g, 'dict', [1]), 'TypeError', "'int' object is not iterable");
  fails(() => callGlobal(g, 'dict', [new Map(), new Map()]), 'TypeError', 'dict expected at most 1 argument, got 2');
});

test('cycler: next, current, reset, items, pos', () => {
  const g = builtinGlobals();
  const c = callGlobal(g, 'cycler', ['a', 'b']);
  assert.ok(c instanceof PyObject);
  // {{ c.next() }}{{ c.next() }}{{ c.current }}{{ c.next() }}{{ c.reset() }}{{ c.next() }}{{ c.items }}{{ c.pos }}
  // gives "abaaNonea('a', 'b')1" in Jinja2
  const seen: Value[] = [method(c, 'next'), method(c, 'next'), c.getattr('current')!, method(c, 'next'), method(c, 'reset'), method(c, 'next')];
  assert.deepEqual(seen, ['a', 'b', 'a', 'a', null, 'a']);
  assert.deepEqual(c.getattr('items'), Tuple.make(['a', 'b']));
  assert.equal(c.getattr('pos'), 1);
  assert.equal(c.getattr('nosuch'), undefined);
  assert.match(c.str(), /^<jinja2\.utils\.Cycler object at 0x[0-9a-f]+>$/);
  fails(() => callGlobal(g, 'cycler'), 'RuntimeError', 'at least one item has to be provided');
  fails(() => callGlobal(g, 'cycler', [], new Map([['a', 1]])), 'TypeError', "Cycler.__init__() got an unexpected keyword argument 'a'");
});

test('joiner: empty the first time, the separator after', () => {
  const g = builtinGlobals();
  const j = callGlobal(g, 'joiner', ['|']);
  assert.ok(j instanceof PyFunction);
  assert.deepEqual([j.call([], none), j.call([], none), j.call([], none)], ['', '|', '|']);
  const d = callGlobal(g, 'joiner') as PyFunction;
  assert.deepEqual([d.call([], none), d.call([], none)], ['', ', ']);
  const n = callGlobal(g, 'joiner', [5]) as PyFunction;
  assert.deepEqual([n.call([], none), n.call([], none)], ['', 5]);
});

test('namespace: from keywords and from a dict', () => {
  const g = builtinGlobals();
  const ns = callGlobal(g, 'namespace', [], new Map([['a', 1]]));
  assert.ok(ns instanceof Namespace);
  assert.deepEqual([...ns.attrs], [['a', 1]]);
  const ns2 = callGlobal(g, 'namespace', [new Map([['a', 1]])], new Map([['b', 3]])) as Namespace;
  assert.deepEqual([...ns2.attrs], [['a', 1], ['b', 3]]);
});

test('lipsum: paragraphs of min to max-1 words, html or text', () => {
  const g = builtinGlobals();
  const text = callGlobal(g, 'lipsum', [3, false, 5, 9]) as string;
  const paras = text.split('\n\n');
  assert.equal(paras.length, 3);
  for (const p of paras) {
    const words = p.split(' ');
    assert.ok(words.length >= 5 && words.length <= 8, p);
    assert.match(p, /^[A-Z][a-z]*[ ,.a-zA-Z]*\.$/);
  }
  const html = callGlobal(g, 'lipsum', [2], new Map([['min', 3], ['max', 4]])) as string;
  const lines = html.split('\n');
  assert.equal(lines.length, 2);
  for (const l of lines) assert.match(l, /^<p>[A-Z]\w* \w+,? \w+\.<\/p>$/);
  assert.equal((callGlobal(g, 'lipsum', [1, false, 1, 2]) as string).split(' ').length, 1);
  fails(() => callGlobal(g, 'lipsum', [1, false, 3, 3]), 'ValueError', 'empty range for randrange() (3, 3, 0)');
});

test('each call gives fresh globals', () => {
  const a = builtinGlobals();
  const b = builtinGlobals();
  assert.notEqual(a.range, b.range);
  assert.deepEqual(Object.keys(a).sort(), ['cycler', 'dict', 'joiner', 'lipsum', 'namespace', 'range']);
});
