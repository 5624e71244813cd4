import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DockerRuntime } from '../../../agent/containers/docker-runtime.js';
import { containerModule } from '../../../states/modules/container.js';
import { imageModule } from '../../../states/modules/image.js';
import type { StateArgs } from '../../../states/types.js';
import { makeContext, tempDir } from '../../helpers/context.js';
import { recordingRuntime } from '../../helpers/containers.js';
import { freePort } from '../../helpers/net.js';
import { PrivatePodman, podmanMissing } from '../../helpers/podman.js';

const skip = podmanMissing();
const running = containerModule.functions.running;
const absent = containerModule.functions.absent;
const present = imageModule.functions.present;

/** Arguments as the compiler hands them over: schema defaults applied. */
function args(name: string, a: Record<string, unknown>): StateArgs {
  return { name, env: {}, ports: [], volumes: [], restart: 'unless-stopped', labels: {}, read_only: false, cap_add: [],
    update_strategy: 'download-then-kill', grace_period: 10, stop_timeout: 1, ...a };
}

describe('container and image states against a real Podman service', { skip, concurrency: false }, () => {
  let pm: PrivatePodman;
  let tree: { dir: string; cleanup: () => Promise<void> };
  let v1: string;
  let v2: string;

  before(async () => {
    pm = await PrivatePodman.start();
    tree = await tempDir('umec-ctree-');
    v1 = await pm.buildImage('localhost/umec-test/web:1', { marker: 'v1' });
    v2 = await pm.buildImage('localhost/umec-test/web:2', { marker: 'v2' });
    await pm.saveImage('localhost/umec-test/web:1', join(tree.dir, 'web-1.tar'));
    await pm.saveImage('localhost/umec-test/web:2', join(tree.dir, 'web-2.tar'));
    await pm.podman('rmi', 'localhost/umec-test/web:1', 'localhost/umec-test/web:2');
  });
  after(async () => { await pm?.stop(); await tree?.cleanup(); });

  const ctx = (rt: unknown, test = false) => makeContext({ root: tree.dir, test, drivers: { containers: rt as DockerRuntime } });
  const inspect = async (name: string) => JSON.parse(await pm.podman('inspect', '--type', 'container', name))[0] as Record<string, any>;

  test('image.present loads a umec:// tarball once; a second apply transfers nothing', async () => {
    const { rt, calls } = recordingRuntime(pm.socket);
    const dry = await present.run({ name: 'localhost/umec-test/web:1', source: 'umec://web-1.tar' }, ctx(rt, true));
    assert.equal(dry.result, null);
    assert.equal(calls.includes('loadImage'), false);
    const r = await present.run({ name: 'localhost/umec-test/web:1', source: 'umec://web-1.tar' }, ctx(rt));
    assert.equal(r.result, true, r.comment);
    assert.deepEqual(r.changes, { 'localhost/umec-test/web:1': { loaded: `sha256:${v1}` } });
    calls.length = 0;
    const again = await present.run({ name: 'localhost/umec-test/web:1', source: 'umec://web-1.tar' }, ctx(rt));
    assert.deepEqual(again.changes, {});
    assert.deepEqual(calls, ['inspectImage']);
  });

  test('image.present from a registry that cannot be reached says so', async () => {
    const rt = new DockerRuntime(pm.socket);
    await assert.rejects(present.run({ name: 'registry.invalid:5000/nobody/none:1' }, ctx(rt)),
      (e: Error & { code?: string }) => e.code === 'IMAGE_NOT_FOUND' && /registry\.invalid:5000\/nobody\/none:1/.test(e.message) && /registry unreachable/.test(e.message));
  });

  test('container.running: created with capabilities dropped, limits and labels; second apply changes nothing', async () => {
    const { rt, calls } = recordingRuntime(pm.socket);
    const a = args('web', {
      image: 'localhost/umec-test/web:1', image_source: 'umec://web-1.tar', env: { GREETING: 'hi', N: 3 },
      memory: '64m', cpus: 0.5, labels: { team: 'edge' }, read_only: true, cap_add: ['NET_BIND_SERVICE'], command: ['/bin/sleep', '600'],
    });
    const dry = await running.run(a, ctx(rt, true));
    assert.equal(dry.result, null);
    assert.deepEqual(dry.changes, { web: 'created' });
    assert.equal(await rt.inspectContainer('web'), undefined, 'test mode created nothing');
    const r = await running.run(a, ctx(rt));
    assert.equal(r.result, true, r.comment);
    assert.deepEqual(r.changes, { web: 'created' });
    const i = await inspect('web');
    assert.equal(i.State.Running, true);
    assert.equal(i.HostConfig.ReadonlyRootfs, true);
    assert.equal(i.HostConfig.Memory, 64 * 1024 * 1024);
    assert.ok(i.HostConfig.CapDrop.includes('CAP_CHOWN') && i.HostConfig.CapDrop.includes('CAP_KILL'), JSON.stringify(i.HostConfig.CapDrop));
    assert.ok(i.Config.Env.includes('GREETING=hi') && i.Config.Env.includes('N=3'));
    assert.equal(i.Config.Labels.team, 'edge');
    const eff = await pm.podman('exec', 'web', 'cat', '/proc/1/status');
    assert.match(eff, /CapEff:\s+0000000000000400/, 'only NET_BIND_SERVICE is effective');

    calls.length = 0;
    const again = await running.run(a, ctx(rt));
    assert.equal(again.result, true);
    assert.deepEqual(again.changes, {});
    assert.deepEqual(calls.sort(), ['inspectContainer', 'inspectImage'], 'a no-op apply only looks');
  });

  test('a stopped container is started again; changing only env recreates it on the same image', async () => {
    const rt = new DockerRuntime(pm.socket);
    const a = args('web', { image: 'localhost/umec-test/web:1', image_source: 'umec://web-1.tar', env: { GREETING: 'hi', N: 3 },
      memory: '64m', cpus: 0.5, labels: { team: 'edge' }, read_only: true, cap_add: ['NET_BIND_SERVICE'], command: ['/bin/sleep', '600'] });
    await pm.podman('stop', '-t', '0', 'web');
    const r = await running.run(a, ctx(rt));
    assert.deepEqual(r.changes, { web: 'started' });
    const before = (await inspect('web')).Id as string;
    const changed = await running.run({ ...a, env: { GREETING: 'hello', N: 3 } }, ctx(rt));
    assert.equal(changed.result, true, changed.comment);
    assert.deepEqual(changed.changes, { web: { changed: ['config'] } });
    const now = await inspect('web');
    assert.notEqual(now.Id, before);
    assert.ok(now.Config.Env.includes('GREETING=hello'));
    assert.equal((await rt.inspectContainer('web.umec-previous')), undefined, 'the previous container is gone after a good update');
  });

  test('out of disk while loading an image tarball is reported as such', async () => {
    const small = await PrivatePodman.start({ storageLimit: '1m' });
    try {
      const rt = new DockerRuntime(small.socket);
      await assert.rejects(present.run({ name: 'localhost/umec-test/web:1', source: 'umec://web-1.tar' }, ctx(rt)),
        (e: Error & { code?: string }) => e.code === 'OUT_OF_DISK' && e.message.startsWith('umec://web-1.tar: out of disk space') && /no space left on device/.test(e.message));
      assert.equal(await rt.inspectImage('localhost/umec-test/web:1'), undefined);
    } finally {
      await small.stop();
    }
  });

  test('an update interrupted after the old container was set aside is recovered, not recreated', async () => {
    const rt = new DockerRuntime(pm.socket);
    const a = args('web', { image: 'localhost/umec-test/web:1', image_source: 'umec://web-1.tar', env: { GREETING: 'hello', N: 3 },
      memory: '64m', cpus: 0.5, labels: { team: 'edge' }, read_only: true, cap_add: ['NET_BIND_SERVICE'], command: ['/bin/sleep', '600'] });
    const id = (await inspect('web')).Id as string;
    await pm.podman('stop', '-t', '0', 'web');
    await pm.podman('rename', 'web', 'web.umec-previous');
    const r = await running.run(a, ctx(rt));
    assert.equal(r.result, true, r.comment);
    assert.deepEqual(r.changes, { web: 'restored' });
    const now = await inspect('web');
    assert.equal(now.Id, id);
    assert.equal(now.State.Running, true);
    assert.equal(await rt.inspectContainer('web.umec-previous'), undefined);
  });

  test('container.absent removes, then reports nothing to do', async () => {
    const rt = new DockerRuntime(pm.socket);
    const dry = await absent.run({ name: 'web', stop_timeout: 1 }, ctx(rt, true));
    assert.equal(dry.result, null);
    const r = await absent.run({ name: 'web', stop_timeout: 1 }, ctx(rt));
    assert.deepEqual(r.changes, { web: 'removed' });
    assert.equal(await rt.inspectContainer('web'), undefined);
    const again = await absent.run({ name: 'web', stop_timeout: 1 }, ctx(rt));
    assert.deepEqual(again.changes, {});
  });
  test('update to a new image whose health check fails is rolled back to the previous container', async () => {
    const rt = new DockerRuntime(pm.socket);
    const base = args('svc', { image: 'localhost/umec-test/web:1', image_source: 'umec://web-1.tar', command: ['/bin/sleep', '600'],
      healthcheck: { test: 'test -e /bin/sleep', interval: 0.2, timeout: 2, retries: 1, start_period: 0 }, grace_period: 5 });
    assert.equal((await running.run(base, ctx(rt))).result, true);
    const oldId = (await inspect('svc')).Id as string;
    const bad = { ...base, image: 'localhost/umec-test/web:2', image_source: 'umec://web-2.tar',
      healthcheck: { test: 'test -e /nonexistent', interval: 0.2, timeout: 2, retries: 1, start_period: 0 } };
    const r = await running.run(bad, ctx(rt)).catch((e: Error & { code?: string }) => e);
    assert.ok(r instanceof Error, 'the state fails');
    assert.equal((r).code, 'CONTAINER_FAILED');
    assert.match(r.message, /failed its health check after the update; rolled back/);
    const now = await inspect('svc');
    assert.equal(now.Id, oldId, 'the previous container is back');
    assert.equal(now.State.Running, true);
    assert.equal(now.Image, v1);
    assert.equal(await rt.inspectContainer('svc.umec-previous'), undefined);
  });

  test('a healthy update replaces the image; kill-then-download stops the old container before loading', async () => {
    const { rt, calls } = recordingRuntime(pm.socket);
    await pm.podman('rmi', '-f', 'localhost/umec-test/web:2').catch(() => undefined);
    const a = args('svc', { image: 'localhost/umec-test/web:2', image_source: 'umec://web-2.tar', command: ['/bin/sleep', '600'],
      healthcheck: { test: 'test -e /bin/sleep', interval: 0.2, timeout: 2, retries: 1, start_period: 0 }, grace_period: 5,
      update_strategy: 'kill-then-download' });
    const r = await running.run(a, ctx(rt));
    assert.equal(r.result, true, r.comment);
    assert.deepEqual((r.changes.svc as { changed: string[] }).changed, ['image', 'config']);
    assert.ok(calls.indexOf('stopContainer') < calls.indexOf('loadImage'), calls.join(' '));
    assert.equal((await inspect('svc')).Image, v2);
    assert.equal((await inspect('svc')).State.Health?.Status ?? (await inspect('svc')).State.Healthcheck?.Status, 'healthy');
  });

  test('download-then-kill (default) loads the new image while the old container still runs', async () => {
    const { rt, calls } = recordingRuntime(pm.socket);
    await pm.podman('rmi', '-f', 'localhost/umec-test/web:1').catch(() => undefined);
    const a = args('svc', { image: 'localhost/umec-test/web:1', image_source: 'umec://web-1.tar', command: ['/bin/sleep', '600'], grace_period: 2 });
    const r = await running.run(a, ctx(rt));
    assert.equal(r.result, true, r.comment);
    assert.ok(calls.indexOf('loadImage') < calls.indexOf('stopContainer'), calls.join(' '));
  });

  test('kill-then-download whose download fails puts the previous container back', async () => {
    const rt = new DockerRuntime(pm.socket);
    const before = await inspect('svc');
    const a = args('svc', { image: 'registry.invalid:5000/nobody/none:1', command: ['/bin/sleep', '600'], grace_period: 2, update_strategy: 'kill-then-download' });
    await assert.rejects(running.run(a, ctx(rt)), (e: Error & { code?: string }) =>
      e.code === 'IMAGE_NOT_FOUND' && /rolled back to the previous container/.test(e.message));
    const now = await inspect('svc');
    assert.equal(now.Id, before.Id);
    assert.equal(now.State.Running, true);
    assert.equal(await rt.inspectContainer('svc.umec-previous'), undefined);
  });

  test('a host port already in use is named in the error', async () => {
    const rt = new DockerRuntime(pm.socket);
    const port = await freePort();
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    try {
      const a = args('porty', { image: 'localhost/umec-test/web:1', ports: [`127.0.0.1:${port}:80`], command: ['/bin/sleep', '600'] });
      await assert.rejects(running.run(a, ctx(rt)), (e: Error & { code?: string }) =>
        e.code === 'PORT_IN_USE' && e.message.includes(String(port)) && e.message.includes('porty'));
    } finally {
      srv.close();
    }
    const c = await rt.inspectContainer('porty');
    assert.ok(!c || !c.running);
    await rt.removeContainer('porty');
  });

});

test('a runtime socket that is missing gives CONTAINER_RUNTIME naming the socket', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const rt = new DockerRuntime(join(dir, 'nope.sock'));
    const ctx = makeContext({ drivers: { containers: rt } });
    await assert.rejects(running.run(args('x', { image: 'busybox:1' }), ctx),
      (e: Error & { code?: string }) => e.code === 'CONTAINER_RUNTIME' && e.message.includes(join(dir, 'nope.sock')) && /socket missing/.test(e.message));
  } finally { await cleanup(); }
});

test('no runtime configured: a clear error instead of a crash', async () => {
  await assert.rejects(running.run(args('x', { image: 'busybox:1' }), makeContext()), /no container runtime is configured/);
});
