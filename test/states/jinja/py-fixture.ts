/**
 * Loads test/fixtures/jinja-py/*.json: cases whose expected values Python 3.11 produced
 * (see gen.py next to them), and decodes their tagged values into the engine's value model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JinjaError } from '../../../states/jinja/errors.js';
import { PyFloat, Tuple, type Value } from '../../../states/jinja/values.js';
import { pyRepr } from '../../../states/jinja/py/ops.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export function loadCases<T = Record<string, unknown[]>>(name: string): T {
  return JSON.parse(readFileSync(join(ROOT, 'test/fixtures/jinja-py', name), 'utf8')) as T;
}

/** float {"f": repr}, tuple {"t": [...]}, dict {"d": [[k, v], ...]} */
export function dec(v: unknown): Value {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(dec);
  const o = v as { f?: string; t?: unknown[]; d?: [unknown, unknown][] };
  if (o.f !== undefined) return new PyFloat(o.f === 'nan' ? NaN : o.f === 'inf' ? Infinity : o.f === '-inf' ? -Infinity : Number(o.f));
  if (o.t !== undefined) return Tuple.make(o.t.map(dec));
  if (o.d !== undefined) return new Map(o.d.map(([k, x]) => [dec(k), dec(x)]));
  throw new Error(`bad fixture value ${JSON.stringify(v)}`);
}

export interface Outcome { ok?: string; type?: string; err?: string; msg?: string }

/** What happened, in the fixture's terms: the repr (str results as is) or the error kind and message. */
export function run(f: () => Value): Outcome {
  try {
    const r = f();
    return { ok: typeof r === 'string' ? r : pyRepr(r) };
  } catch (e) {
    if (e instanceof JinjaError) return { err: e.kind, msg: e.message };
    throw e;
  }
}
export const expected = (c: Outcome): Outcome => (c.err !== undefined ? { err: c.err, msg: c.msg } : { ok: c.ok });
export const same = (a: Outcome, b: Outcome): boolean => a.ok === b.ok && a.err === b.err && a.msg === b.msg;
