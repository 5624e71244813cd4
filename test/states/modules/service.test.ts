import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceModule } from '../../../states/modules/service.js';
import { FakeServiceDriver } from '../../doubles/fake-service.js';
import { makeContext } from '../../helpers/context.js';

const fn = serviceModule.functions;

function ctxWith(service: FakeServiceDriver, test = false) {
  return makeContext({ drivers: { service }, test });
}

test('service module exposes running, dead, enabled, disabled, masked, unmasked; running and dead have modWatch', () => {
  assert.equal(serviceModule.name, 'service');
  assert.deepEqual(Object.keys(fn).sort(), ['dead', 'disabled', 'enabled', 'masked', 'running', 'unmasked']);
  assert.equal(typeof fn.running.modWatch, 'function');
  assert.equal(typeof fn.dead.modWatch, 'function');
  const props = fn.running.schema.properties as Record<string, { default?: unknown }>;
  assert.equal(props.reload.default, false);
  assert.equal('default' in props.enable, false);
  for (const f of Object.values(fn)) assert.equal(f.schema.additionalProperties, false);
});

test('running: starts a stopped service, reports {name: true}, and is idempotent', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: false, enabled: true } });
  const ctx = ctxWith(svc);
  const r = await fn.running.run({ name: 'nginx', reload: false }, ctx);
  assert.deepEqual(r, { name: 'nginx', result: true, changes: { nginx: true }, comment: 'Started service nginx' });
  assert.deepEqual(svc.actions, [['start', 'nginx']]);

  const again = await fn.running.run({ name: 'nginx', reload: false }, ctx);
  assert.deepEqual(again, { name: 'nginx', result: true, changes: {}, comment: 'The service nginx is already running' });
  assert.deepEqual(svc.actions, [['start', 'nginx']]);
});

test('running with enable: true enables a disabled running service', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: true, enabled: false } });
  const r = await fn.running.run({ name: 'nginx', enable: true, reload: false }, ctxWith(svc));
  assert.equal(r.result, true);
  assert.deepEqual(r.changes, { nginx: true });
  assert.match(r.comment, /already running\nService nginx has been enabled, and is running/);
  assert.deepEqual(svc.actions, [['enable', 'nginx']]);
});

test('running with enable: false starts and disables', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: false, enabled: true } });
  const r = await fn.running.run({ name: 'nginx', enable: false, reload: false }, ctxWith(svc));
  assert.equal(r.result, true);
  assert.deepEqual(svc.actions, [['start', 'nginx'], ['disable', 'nginx']]);
  assert.equal(svc.units.get('nginx')!.enabled, false);
});

test('running with enable matching the current state changes nothing', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: true, enabled: true } });
  const r = await fn.running.run({ name: 'nginx', enable: true, reload: false }, ctxWith(svc));
  assert.equal(r.result, true);
  assert.deepEqual(r.changes, {});
  assert.deepEqual(svc.actions, []);
});

test('running: a missing unit fails with "The named service X is not available"', async () => {
  const svc = new FakeServiceDriver();
  const r = await fn.running.run({ name: 'nosuch', reload: false }, ctxWith(svc));
  assert.deepEqual(r, { name: 'nosuch', result: false, changes: {}, comment: 'The named service nosuch is not available' });
  assert.deepEqual(svc.actions, []);
});

test('running in test mode predicts the start (result null) without starting or enabling', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: false, enabled: false } });
  const r = await fn.running.run({ name: 'nginx', enable: true, reload: false }, ctxWith(svc, true));
  assert.equal(r.result, null);
  assert.deepEqual(r.changes, { nginx: true });
  assert.match(r.comment, /Service nginx is set to start/);
  assert.deepEqual(svc.actions, []);
  assert.deepEqual(svc.units.get('nginx'), { active: false, enabled: false });
});

test('running in test mode for a unit not yet present is null (an earlier state may install it)', async () => {
  const svc = new FakeServiceDriver();
  const r = await fn.running.run({ name: 'nginx', reload: false }, ctxWith(svc, true));
  assert.equal(r.result, null);
  assert.deepEqual(svc.actions, []);
});

test('running: start failing in the driver gives result false with the message', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: false, enabled: true } });
  svc.failures.set('start', 'systemctl start nginx.service exited with code 1: Job for nginx.service failed');
  const r = await fn.running.run({ name: 'nginx', reload: false }, ctxWith(svc));
  assert.equal(r.result, false);
  assert.match(r.comment, /Job for nginx.service failed/);
  assert.deepEqual(r.changes, {});
});

test('running: a service that dies right after starting fails', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: false, enabled: true } });
  svc.startDoesNotStick = true;
  const r = await fn.running.run({ name: 'nginx', reload: false }, ctxWith(svc));
  assert.equal(r.result, false);
  assert.equal(r.comment, 'Service nginx failed to start');
});

test('running: a failing status query gives result false', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: false, enabled: true } });
  svc.failures.set('status', 'Failed to connect to bus: Host is down');
  const r = await fn.running.run({ name: 'nginx', reload: false }, ctxWith(svc));
  assert.equal(r.result, false);
  assert.match(r.comment, /Host is down/);
});

test('dead: stops a running service and is idempotent', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: true, enabled: true } });
  const ctx = ctxWith(svc);
  const r = await fn.dead.run({ name: 'nginx' }, ctx);
  assert.deepEqual(r, { name: 'nginx', result: true, changes: { nginx: true }, comment: 'Service nginx was killed' });
  const again = await fn.dead.run({ name: 'nginx' }, ctx);
  assert.deepEqual(again, { name: 'nginx', result: true, changes: {}, comment: 'The service nginx is already dead' });
  assert.deepEqual(svc.actions, [['stop', 'nginx']]);
});

test('dead with enable: false stops and disables', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: true, enabled: true } });
  const r = await fn.dead.run({ name: 'nginx', enable: false }, ctxWith(svc));
  assert.equal(r.result, true);
  assert.deepEqual(svc.actions, [['stop', 'nginx'], ['disable', 'nginx']]);
});

test('dead: a missing unit is already dead (result true, as Salt)', async () => {
  const svc = new FakeServiceDriver();
  const r = await fn.dead.run({ name: 'nosuch' }, ctxWith(svc));
  assert.equal(r.result, true);
  assert.equal(r.comment, 'The named service nosuch is not available');
});

test('dead in test mode predicts the stop without stopping', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: true, enabled: true } });
  const r = await fn.dead.run({ name: 'nginx', enable: false }, ctxWith(svc, true));
  assert.equal(r.result, null);
  assert.deepEqual(r.changes, { nginx: true });
  assert.deepEqual(svc.actions, []);
});

test('enabled / disabled: change the boot flag once, then report the desired state', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: false, enabled: false } });
  const ctx = ctxWith(svc);
  const r = await fn.enabled.run({ name: 'nginx' }, ctx);
  assert.deepEqual(r, { name: 'nginx', result: true, changes: { nginx: true }, comment: 'Service nginx has been enabled, and is in the desired state' });
  const again = await fn.enabled.run({ name: 'nginx' }, ctx);
  assert.deepEqual(again.changes, {});
  assert.equal(again.comment, 'Service nginx is already enabled, and is in the desired state');
  const d = await fn.disabled.run({ name: 'nginx' }, ctx);
  assert.deepEqual(d.changes, { nginx: true });
  assert.deepEqual(svc.actions, [['enable', 'nginx'], ['disable', 'nginx']]);
  assert.equal(svc.units.get('nginx')!.active, false, 'enabling does not start');
});

test('enabled in test mode predicts without enabling; missing unit fails; driver error fails', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: false, enabled: false } });
  const t = await fn.enabled.run({ name: 'nginx' }, ctxWith(svc, true));
  assert.equal(t.result, null);
  assert.deepEqual(svc.actions, []);
  const missing = await fn.disabled.run({ name: 'nosuch' }, ctxWith(svc));
  assert.equal(missing.result, false);
  assert.equal(missing.comment, 'The named service nosuch is not available');
  svc.failures.set('enable', 'Failed to enable unit: Unit file nginx.service is masked.');
  const e = await fn.enabled.run({ name: 'nginx' }, ctxWith(svc));
  assert.equal(e.result, false);
  assert.match(e.comment, /masked/);
});

test('running modWatch restarts a running service', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: true, enabled: true } });
  const r = await fn.running.modWatch!({ name: 'nginx', reload: false }, ctxWith(svc));
  assert.deepEqual(r, { name: 'nginx', result: true, changes: { nginx: true }, comment: 'Service restarted' });
  assert.deepEqual(svc.actions, [['restart', 'nginx']]);
});

test('running modWatch reloads instead when reload: true', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: true, enabled: true } });
  const r = await fn.running.modWatch!({ name: 'nginx', reload: true }, ctxWith(svc));
  assert.deepEqual(r, { name: 'nginx', result: true, changes: { nginx: true }, comment: 'Service reloaded' });
  assert.deepEqual(svc.actions, [['reload', 'nginx']]);
});

test('running modWatch starts a stopped service (even with reload: true)', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: false, enabled: true } });
  const r = await fn.running.modWatch!({ name: 'nginx', reload: true }, ctxWith(svc));
  assert.deepEqual(r, { name: 'nginx', result: true, changes: { nginx: true }, comment: 'Service started' });
  assert.deepEqual(svc.actions, [['start', 'nginx']]);
});

test('running modWatch in test mode predicts the restart without acting', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: true, enabled: true } });
  const r = await fn.running.modWatch!({ name: 'nginx', reload: false }, ctxWith(svc, true));
  assert.equal(r.result, null);
  assert.deepEqual(r.changes, { nginx: true });
  assert.deepEqual(svc.actions, []);
});

test('running modWatch: restart failure gives result false with the message; missing unit fails', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: true, enabled: true } });
  svc.failures.set('restart', 'Job for nginx.service failed');
  const r = await fn.running.modWatch!({ name: 'nginx', reload: false }, ctxWith(svc));
  assert.equal(r.result, false);
  assert.match(r.comment, /Failed to restart service nginx: Job for nginx.service failed/);
  const m = await fn.running.modWatch!({ name: 'nosuch', reload: false }, ctxWith(svc));
  assert.equal(m.result, false);
  assert.equal(m.comment, 'The named service nosuch is not available');
});

test('dead modWatch on a dead service does nothing and succeeds', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: false, enabled: false } });
  const r = await fn.dead.modWatch!({ name: 'nginx' }, ctxWith(svc));
  assert.equal(r.result, true);
  assert.deepEqual(r.changes, {});
  assert.deepEqual(svc.actions, []);
});

test('dead modWatch stops a service that is still running', async () => {
  const svc = new FakeServiceDriver({ nginx: { active: true, enabled: false } });
  const r = await fn.dead.modWatch!({ name: 'nginx' }, ctxWith(svc));
  assert.equal(r.result, true);
  assert.deepEqual(svc.actions, [['stop', 'nginx']]);
});
