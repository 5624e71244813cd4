import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogThrottle } from '../../lib/log-throttle.js';

test('log throttle: first hit logs, hits within the interval are counted, the next one after it reports them; keys are bounded', () => {
  let now = 0;
  const t = new LogThrottle(1000, 2, () => now);
  assert.deepEqual(t.hit('a'), { log: true, held: 0 });
  assert.deepEqual(t.hit('a'), { log: false, held: 0 });
  assert.deepEqual(t.hit('a'), { log: false, held: 0 });
  assert.deepEqual(t.hit('b'), { log: true, held: 0 });
  now = 1000;
  assert.deepEqual(t.hit('a'), { log: true, held: 2 });
  assert.deepEqual(t.hit('a'), { log: false, held: 0 });
  // a third key forgets the oldest (b): it logs again at once
  assert.deepEqual(t.hit('c'), { log: true, held: 0 });
  assert.deepEqual(t.hit('b'), { log: true, held: 0 });
});
