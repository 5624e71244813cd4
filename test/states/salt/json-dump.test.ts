import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonDumps } from '../../../states/jinja/py/json.js';
import { toPy, type Value } from '../../../states/jinja/values.js';
import { python } from './python.js';

test('json.dumps text: separators, sort_keys, indent, ensure_ascii as Python writes them', () => {
  const cases: unknown[] = [{ b: 1, a: [1, 2.5, null, true], c: { z: 'é"\\\n\t\u0001😀' } }, [], {}, 'x', [[]], { k: [{}] }];
  const opts = [[true, null, false], [false, null, true], [true, 2, false], [false, 4, true]] as const;
  const inputs = cases.flatMap((c) => opts.map((o) => [c, ...o]));
  const want = python<string[]>(`
import json, sys
print(json.dumps([json.dumps(v, sort_keys=s, indent=i, ensure_ascii=a) for v, s, i, a in json.load(sys.stdin)]))`, inputs);
  inputs.forEach(([c, s, i, a], n) => assert.equal(jsonDumps(toPy(c), { sortKeys: s as boolean, indent: i as number | null, ensureAscii: a as boolean }), want[n]));
});

test('keys Python cannot sort are a TypeError with sort_keys, non-string keys are turned to strings', () => {
  assert.throws(() => jsonDumps(new Map<Value, Value>([[1, 1], ['a', 2]]), { sortKeys: true }), /not supported/);
  assert.equal(jsonDumps(new Map<Value, Value>([[1, 'a'], [true, 'b'], [null, 'c']])), '{"1": "a", "true": "b", "null": "c"}');
});
