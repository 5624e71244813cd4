import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ProcessRunner } from '../../../states/drivers/exec.js';
import { SystemdServiceDriver } from '../../../states/drivers/systemd.js';
import { serviceModule } from '../../../states/modules/service.js';
import { StateRegistry } from '../../../states/registry.js';
import type { Drivers, StateArgs, StateReturn } from '../../../states/types.js';
import { makeContext, tempDir } from '../../helpers/context.js';

const registry = new StateRegistry([serviceModule]);

/** Real systemctl acting on a private root (systemctl --root works without a running systemd). */
async function withRoot(fn: (root: string, run: (fun: string, a: StateArgs, test?: boolean, service?: Drivers['service']) => Promise<StateReturn>) => Promise<void>) {
  const t = await tempDir('umec-mask-');
  await mkdir(join(t.dir, 'etc', 'systemd', 'system'), { recursive: true });
  const driver = new SystemdServiceDriver(new ProcessRunner(), { root: t.dir });
  const run = async (fun: string, args: StateArgs, testMode = false, service: Drivers['service'] = driver) => {
    const { name, ...own } = args;
    const { args: valid, errors } = registry.validate('service', fun, own);
    assert.deepEqual(errors, []);
    return serviceModule.functions[fun].run({ ...valid, name }, makeContext({ test: testMode, drivers: { service } }));
  };
  try { await fn(t.dir, run); } finally { await t.cleanup(); }
}

test('service.masked masks through systemctl, predicts in test mode, and is idempotent', async () => {
  await withRoot(async (root, run) => {
    const link = join(root, 'etc', 'systemd', 'system', 'umec-demo.service');
    const dry = await run('masked', { name: 'umec-demo' }, true);
    assert.deepEqual([dry.result, dry.changes, dry.comment], [null, { masked: { old: false, new: true } }, 'Service umec-demo would be masked']);
    assert.equal(existsSync(link), false);
    const r = await run('masked', { name: 'umec-demo' });
    assert.deepEqual([r.result, r.changes, r.comment], [true, { masked: { old: false, new: true } }, 'Service umec-demo was masked']);
    assert.equal(await readlink(link), '/dev/null');
    const again = await run('masked', { name: 'umec-demo' });
    assert.deepEqual([again.result, again.changes, again.comment], [true, {}, 'Service umec-demo is already masked']);
  });
});

test('service.unmasked removes the mask (also runtime masks), and says so when there is none', async () => {
  await withRoot(async (root, run) => {
    await run('masked', { name: 'umec-demo.service' });
    const dry = await run('unmasked', { name: 'umec-demo.service' }, true);
    assert.deepEqual([dry.result, dry.changes], [null, { masked: { old: true, new: false } }]);
    const r = await run('unmasked', { name: 'umec-demo.service' });
    assert.deepEqual([r.result, r.changes, r.comment], [true, { masked: { old: true, new: false } }, 'Service umec-demo.service was unmasked']);
    assert.equal(existsSync(join(root, 'etc', 'systemd', 'system', 'umec-demo.service')), false);
    const again = await run('unmasked', { name: 'umec-demo.service' });
    assert.deepEqual([again.result, again.comment], [true, 'Service umec-demo.service was already unmasked']);
    const rt = await run('masked', { name: 'umec-demo', runtime: true });
    assert.deepEqual([rt.changes, rt.comment], [{ 'runtime masked': { old: false, new: true } }, 'Service umec-demo was runtime masked']);
    assert.ok((await lstat(join(root, 'run', 'systemd', 'system', 'umec-demo.service'))).isSymbolicLink());
    const un = await run('unmasked', { name: 'umec-demo', runtime: true });
    assert.equal(un.comment, 'Service umec-demo was runtime unmasked');
  });
});

test('service.masked fails by name where the service driver has no masking', async () => {
  await withRoot(async (_root, run) => {
    const plain = { status: async () => ({ exists: true, active: false, enabled: false }) } as unknown as Drivers['service'];
    const r = await run('masked', { name: 'x' }, false, plain);
    assert.deepEqual([r.result, r.comment], [false, 'Service masking not available on this minion']);
  });
});

test('service.running/dead in Salt\'s offline mode (systemd installed, not booted: a chroot) do nothing and succeed; enabled still acts', async () => {
  const calls: string[][] = [];
  const runner = { run: (argv: string[]) => { calls.push(argv); return Promise.resolve({ code: 0, stdout: 'LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n', stderr: '', timedOut: false, signal: null }); } };
  const offline = new SystemdServiceDriver(runner, { booted: () => false });
  await withRoot(async (_root, run) => {
    for (const fun of ['running', 'dead']) {
      for (const testMode of [false, true]) {
        const r = await run(fun, { name: 'cron', enable: true }, testMode, offline);
        assert.deepEqual([r.result, r.changes, r.comment], [true, {}, 'Running in OFFLINE mode. Nothing to do'], `${fun} test=${testMode}`);
      }
    }
    assert.deepEqual(calls, [], 'systemctl is not asked');
    const en = await run('enabled', { name: 'cron' }, true, offline);
    assert.equal(en.result, null, 'service.enabled does not take the offline path in Salt');
    const booted = new SystemdServiceDriver(runner, { booted: () => true });
    const r = await run('running', { name: 'cron' }, true, booted);
    assert.deepEqual([r.result, r.comment], [null, 'Service cron is set to start']);
  });
});
