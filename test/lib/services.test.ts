import { test } from 'node:test';
import assert from 'node:assert/strict';
import { service, ServiceGroup } from '../../lib/services.js';

const recorder = () => {
  const log: string[] = [];
  const svc = (name: string, o: { failStart?: boolean; failStop?: boolean } = {}) => service(name, () => {
    log.push(`start ${name}`);
    if (o.failStart) throw new Error(`${name} cannot start`);
  }, () => {
    log.push(`stop ${name}`);
    if (o.failStop) throw new Error(`${name} cannot stop`);
  });
  return { log, svc };
};

test('services start in order and stop in reverse, once', async () => {
  const { log, svc } = recorder();
  const g = new ServiceGroup([svc('a'), svc('b'), svc('c')]);
  await g.start();
  await g.stop();
  await g.stop();
  assert.deepEqual(log, ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
});

test('a failed start stops the failed service and those started before it, then rethrows', async () => {
  const { log, svc } = recorder();
  const g = new ServiceGroup([svc('a'), svc('b', { failStart: true }), svc('c')]);
  await assert.rejects(g.start(), /b cannot start/);
  assert.deepEqual(log, ['start a', 'start b', 'stop b', 'stop a']);
  await g.stop();
  assert.equal(log.length, 4);
});

test('a service that fails to stop is reported and the others still stop', async () => {
  const { log, svc } = recorder();
  const errors: string[] = [];
  const g = new ServiceGroup([svc('a'), svc('b', { failStop: true }), svc('c')], (name, e) => errors.push(`${name}: ${(e as Error).message}`));
  await g.start();
  await g.stop();
  assert.deepEqual(log.slice(3), ['stop c', 'stop b', 'stop a']);
  assert.deepEqual(errors, ['b: b cannot stop']);
});
