import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, sleep } from '../../lib/retry.js';
import { Serial } from '../../lib/serial.js';

test('backoff doubles from base, is capped at max, and jitters either way', () => {
  const mid = () => 0.5;
  assert.deepEqual([1, 2, 3, 4, 5].map((a) => backoffDelay(a, { base: 100, max: 500 }, mid)), [100, 200, 400, 500, 500]);
  assert.equal(backoffDelay(1, { base: 100, jitter: 0.25 }, () => 0), 75);
  assert.equal(backoffDelay(1, { base: 100, jitter: 0.25 }, () => 1), 125);
  assert.equal(backoffDelay(3, { base: 100, jitter: 0 }, Math.random), 400);
});

test('sleep rejects with the abort reason', async () => {
  const ac = new AbortController();
  const p = sleep(10_000, ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(p, /stop/);
});

test('Serial runs calls one at a time in order; a failure rejects only its caller', async () => {
  const s = new Serial();
  const log: string[] = [];
  const step = (name: string, ms: number, fail = false) => s.run(async () => {
    log.push(`start ${name}`);
    await sleep(ms);
    log.push(`end ${name}`);
    if (fail) throw new Error(name);
    return name;
  });
  const r = await Promise.allSettled([step('a', 20), step('b', 1, true), step('c', 1)]);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.deepEqual(r.map((x) => x.status), ['fulfilled', 'rejected', 'fulfilled']);
});
