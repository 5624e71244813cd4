/**
 * printf-style `%`, str.format and format(value, spec) against Python 3.11:
 * test/fixtures/jinja-py/py-format.json (gen_methods.py), including float conversions
 * of random values at many precisions (ties round to even, like CPython's dtoa).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binop } from '../../../states/jinja/py/ops.js';
import { formatValue, strFormat } from '../../../states/jinja/py/format.js';
import { dec, loadCases, run, same, type Outcome } from './py-fixture.js';

interface Case extends Outcome { kind: 'printf' | 'format' | 'spec'; fmt?: string; args?: unknown; kwargs?: Record<string, unknown>; v?: unknown; spec?: string }
const { format } = loadCases<{ format: Case[] }>('py-format.json');

function check(kind: Case['kind'], f: (c: Case) => Outcome): void {
  // a bound method prints with its address in Python: nothing to compare
  const cases = format.filter((c) => c.kind === kind && !c.ok?.includes(' at 0x'));
  assert.ok(cases.length > 40);
  const bad: unknown[] = [];
  for (const c of cases) {
    const got = f(c);
    const want: Outcome = c.err !== undefined ? { err: c.err, msg: c.msg } : { ok: c.ok };
    if (!same(got, want)) bad.push({ fmt: c.fmt, args: c.args, kwargs: c.kwargs, v: c.v, spec: c.spec, want, got });
  }
  assert.deepEqual(bad.slice(0, 15).map((b) => JSON.stringify(b)), [], `${bad.length} of ${cases.length} differ`);
}

test('str % values matches Python', () => {
  check('printf', (c) => run(() => binop('%', c.fmt!, dec(c.args))));
});

test('str.format matches Python', () => {
  check('format', (c) => run(() => strFormat(c.fmt!, (c.args as unknown[]).map(dec), new Map(Object.entries(c.kwargs!).map(([k, v]) => [k, dec(v)])))));
});

test('format(value, spec) matches Python', () => {
  check('spec', (c) => run(() => formatValue(dec(c.v), c.spec!)));
});
