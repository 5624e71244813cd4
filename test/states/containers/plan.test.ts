import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBody } from '../../../agent/containers/docker-runtime.js';
import { planContainer, SPEC_LABEL, specHash } from '../../../states/containers/plan.js';
import type { ContainerInfo } from '../../../states/containers/runtime.js';
import { parsePort, parseSize, toSpec } from '../../../states/containers/spec.js';

const cur = (o: Partial<ContainerInfo> = {}): ContainerInfo => ({
  id: 'c1', name: 'web', imageId: 'sha256:aaa', labels: { [SPEC_LABEL]: 'h1' }, running: true, status: 'running', exitCode: 0, health: 'none', ...o,
});

test('plan: nothing to do, start a stopped one, create a missing one', () => {
  assert.deepEqual(planContainer(cur(), 'h1', 'sha256:aaa', true, 'download-then-kill'), { action: 'none', why: [], steps: [] });
  assert.deepEqual(planContainer(cur({ running: false }), 'h1', 'sha256:aaa', true, 'download-then-kill').steps, ['start']);
  assert.deepEqual(planContainer(undefined, 'h1', 'sha256:aaa', true, 'download-then-kill').steps, ['create', 'start']);
  assert.deepEqual(planContainer(undefined, 'h1', undefined, false, 'download-then-kill').steps, ['fetch-image', 'create', 'start']);
});

test('plan: a config change keeps the image; an image change orders download and kill by strategy', () => {
  const cfg = planContainer(cur(), 'h2', 'sha256:aaa', true, 'download-then-kill');
  assert.deepEqual(cfg, { action: 'update', why: ['config'], steps: ['retire', 'create', 'start', 'verify', 'discard'] });
  const dtk = planContainer(cur(), 'h1', 'sha256:bbb', false, 'download-then-kill');
  assert.deepEqual(dtk.why, ['image']);
  assert.deepEqual(dtk.steps, ['fetch-image', 'retire', 'create', 'start', 'verify', 'discard']);
  const ktd = planContainer(cur(), 'h1', 'sha256:bbb', false, 'kill-then-download');
  assert.deepEqual(ktd.steps, ['retire', 'fetch-image', 'create', 'start', 'verify', 'discard']);
  // the new image is already on the box (another container loaded it): no fetch
  assert.deepEqual(planContainer(cur(), 'h1', 'sha256:bbb', true, 'download-then-kill').steps, ['retire', 'create', 'start', 'verify', 'discard']);
});

test('spec hash ignores key order and the app version label, not env', () => {
  const a = toSpec('web', 'img:1', { env: { A: '1', B: 2 }, labels: { 'umec.app-version': '1' } });
  const b = toSpec('web', 'img:1', { env: { B: '2', A: 1 }, labels: { 'umec.app-version': '2' } });
  assert.equal(specHash(a), specHash(b));
  assert.notEqual(specHash(a), specHash(toSpec('web', 'img:1', { env: { A: '1', B: 3 } })));
});

test('create body drops every capability, gives back only the listed ones, maps limits', () => {
  const body = createBody(toSpec('web', 'img:1', { cap_add: ['CAP_NET_ADMIN'], memory: '256Mi', cpus: 1.5, ports: ['127.0.0.1:8080:80', '53:53/udp'], restart: 'no' }));
  assert.deepEqual(body.HostConfig!.CapDrop, ['ALL']);
  assert.deepEqual(body.HostConfig!.CapAdd, ['NET_ADMIN']);
  assert.equal(body.HostConfig!.Memory, 256 * 1024 * 1024);
  assert.equal(body.HostConfig!.NanoCpus, 1.5e9);
  assert.deepEqual(body.HostConfig!.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostIp: '', HostPort: '53' }] });
  assert.deepEqual(body.HostConfig!.RestartPolicy, { Name: '' });
});

test('sizes and ports parse; bad ones are refused', () => {
  assert.equal(parseSize('64m'), 64 * 1024 ** 2);
  assert.equal(parseSize('1.5G'), 1.5 * 1024 ** 3);
  assert.equal(parseSize(5_000_000), 5_000_000);
  assert.deepEqual(parsePort('[::1]:8080:80/tcp'), { hostIp: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp' });
  assert.throws(() => parsePort('70000:80'), /bad port mapping/);
});
