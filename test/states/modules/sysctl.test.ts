import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ProcessRunner } from '../../../states/drivers/exec.js';
import { RootFiles } from '../../../states/drivers/root-files.js';
import { LinuxSysctlDriver } from '../../../states/drivers/sysctl.js';
import { planPersist, showConfig } from '../../../states/modules/sysctl/conf.js';
import { sysctlModule } from '../../../states/modules/sysctl/index.js';
import { stateCaller } from '../../helpers/call-state.js';
import { tempDir } from '../../helpers/context.js';
import { PrivateMountRunner } from '../../helpers/private-mounts.js';

const skip = process.getuid?.() !== 0 || !existsSync('/usr/sbin/sysctl') ? 'needs root (mount namespaces) and procps sysctl' : false;

// Head and tail of Debian 12's /etc/sysctl.conf (procps): only comments.
const DEBIAN_SYSCTL_CONF = `#
# /etc/sysctl.conf - Configuration file for setting system variables
# See /etc/sysctl.d/ for additional system variables.
# See sysctl.conf (5) for information.
#

#kernel.domainname = example.com
#kernel.sysrq=438
`;

/** Kernel parameters of the fake /proc/sys the real sysctl binary sees. */
const PROC = { 'vm/swappiness': '60', 'fs/file-max': '9223372036854775807', 'net/ipv4/tcp_rmem': '4096\t131072\t6291456' };

interface Env {
  state: ReturnType<typeof stateCaller>;
  root: string;
  read: (abs: string) => Promise<string>;
  proc: (key: string) => Promise<string>;
}

/**
 * A temp root (its /etc, optionally a booted systemd's /run/systemd/system) and a file-backed
 * /proc/sys bind-mounted, read-only when `frozen` (as in a chroot with /proc/sys read-only),
 * under the commands the real `sysctl` runs in.
 */
async function withSysctl(o: { booted?: boolean; frozen?: boolean }, fn: (env: Env) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir('umec-sysctl-');
  const root = join(dir, 'root');
  const procSys = join(dir, 'proc-sys');
  try {
    await mkdir(join(root, 'etc', 'sysctl.d'), { recursive: true });
    await writeFile(join(root, 'etc', 'sysctl.conf'), DEBIAN_SYSCTL_CONF);
    if (o.booted) await mkdir(join(root, 'run', 'systemd', 'system'), { recursive: true });
    for (const [k, v] of Object.entries(PROC)) {
      await mkdir(dirname(join(procSys, k)), { recursive: true });
      await writeFile(join(procSys, k), `${v}\n`);
    }
    const runner = new PrivateMountRunner(new ProcessRunner(), [{ src: procSys, dst: '/proc/sys', readOnly: o.frozen }]);
    const driver = new LinuxSysctlDriver(runner, new RootFiles(root));
    await fn({
      state: stateCaller(sysctlModule, { sysctl: driver }), root,
      read: (abs) => readFile(join(root, abs), 'utf8'),
      proc: async (k) => (await readFile(join(procSys, k), 'utf8')).trim(),
    });
  } finally { await cleanup(); }
}

// The host kernel must never be touched: remember its values and compare after each test.
async function hostValue(key: string): Promise<string> {
  return (await readFile(join('/proc/sys', key), 'utf8')).trim();
}

test('the sysctl formula in a root whose /proc/sys is read-only: Salt\'s files and Salt\'s failures', { skip }, async () => {
  const before = await hostValue('vm/swappiness');
  await withSysctl({ frozen: true }, async ({ state, read }) => {
    const file = await state('present', { name: 'fs.file-max', value: 100000, config: '/etc/sysctl.d/fs.conf' });
    assert.deepEqual(file, { name: 'fs.file-max', result: false, changes: {},
      comment: 'Failed to set fs.file-max to 100000: sysctl -w failed: sysctl: permission denied on key "fs.file-max"' });
    const swap = await state('present', { name: 'vm.swappiness', value: 20 });
    assert.deepEqual(swap, { name: 'vm.swappiness', result: false, changes: {},
      comment: 'Failed to set vm.swappiness to 20: sysctl -w failed: sysctl: permission denied on key "vm.swappiness"' });
    // As Salt: the config files are written before the live value fails.
    assert.equal(await read('/etc/sysctl.d/fs.conf'), '#\n# Kernel sysctl configuration\n#\nfs.file-max = 100000\n');
    assert.equal(await read('/etc/sysctl.conf'), `${DEBIAN_SYSCTL_CONF}vm.swappiness = 20\n`);
  });
  assert.equal(await hostValue('vm/swappiness'), before);
});

test('present on a booted systemd box: 99-salt.conf, the live value, then nothing to do', { skip }, async () => {
  await withSysctl({ booted: true }, async ({ state, read, proc }) => {
    const predicted = await state('present', { name: 'vm.swappiness', value: 20 }, true);
    assert.deepEqual(predicted, { name: 'vm.swappiness', result: null, changes: { 'vm.swappiness': 20 },
      comment: 'Sysctl option vm.swappiness set to be changed to 20' });
    const r = await state('present', { name: 'vm.swappiness', value: 20 });
    assert.deepEqual(r, { name: 'vm.swappiness', result: true, changes: { 'vm.swappiness': 20 }, comment: 'Updated sysctl value vm.swappiness = 20' });
    assert.equal(await read('/etc/sysctl.d/99-salt.conf'), '#\n# Kernel sysctl configuration\n#\nvm.swappiness = 20\n');
    assert.equal(await read('/etc/sysctl.conf'), DEBIAN_SYSCTL_CONF);
    assert.equal(await proc('vm/swappiness'), '20');
    const again = await state('present', { name: 'vm.swappiness', value: 20 });
    assert.deepEqual(again, { name: 'vm.swappiness', result: true, changes: {}, comment: 'Sysctl value vm.swappiness = 20 is already set' });
    assert.deepEqual(await state('present', { name: 'vm.swappiness', value: 20 }, true), again);
    // A new value edits the line in place.
    await state('present', { name: 'vm.swappiness', value: '10' });
    assert.equal(await read('/etc/sysctl.d/99-salt.conf'), '#\n# Kernel sysctl configuration\n#\nvm.swappiness = 10\n');
  });
});

test('the live value drifting from a configured value is set again without touching the file', { skip }, async () => {
  await withSysctl({ booted: true }, async ({ state, read, root, proc }) => {
    await writeFile(join(root, 'etc/sysctl.d/99-salt.conf'), 'vm.swappiness=20\n');
    const predicted = await state('present', { name: 'vm.swappiness', value: 20 }, true);
    assert.equal(predicted.result, null);
    assert.equal(predicted.comment, 'Sysctl option vm.swappiness would be changed to 20');
    const r = await state('present', { name: 'vm.swappiness', value: 20 });
    assert.deepEqual(r.changes, { 'vm.swappiness': 20 });
    assert.equal(await proc('vm/swappiness'), '20');
    assert.equal(await read('/etc/sysctl.d/99-salt.conf'), 'vm.swappiness=20\n');
  });
});

test('multi-value parameters compare and are written with tabs, as /proc/sys prints them', { skip }, async () => {
  await withSysctl({ booted: true }, async ({ state, read, proc }) => {
    const r = await state('present', { name: 'net.ipv4.tcp_rmem', value: '4096 87380 16777216' });
    assert.equal(r.result, true, r.comment);
    assert.equal(await proc('net/ipv4/tcp_rmem'), '4096 87380 16777216');
    // Salt tabs the value only once the file has an assignment line: the first write keeps spaces.
    assert.equal(await read('/etc/sysctl.d/99-salt.conf'), '#\n# Kernel sysctl configuration\n#\nnet.ipv4.tcp_rmem = 4096 87380 16777216\n');
  });
});

test('an unknown key fails with Salt\'s message, after Salt has written the config line', { skip }, async () => {
  await withSysctl({ booted: true }, async ({ state, root }) => {
    const r = await state('present', { name: 'vm.no_such_key', value: 1 });
    assert.deepEqual(r, { name: 'vm.no_such_key', result: false, changes: {}, comment: 'Failed to set vm.no_such_key to 1: sysctl vm.no_such_key does not exist' });
    // Salt writes the config line first; the key's absence shows only when setting it.
    assert.match(await readFile(join(root, 'etc/sysctl.d/99-salt.conf'), 'utf8'), /vm\.no_such_key = 1/);
  });
});

test('pure planning: show() of a config file and persist()\'s edit', () => {
  assert.deepEqual([...showConfig('# c\na = 1\nb=2\nc =  x y\n')], [['a', '1\n'], ['b', '2\n'], ['c', 'x y\n']]);
  assert.deepEqual(planPersist(undefined, 'a', '1', false), { kind: 'write', text: '#\n# Kernel sysctl configuration\n#\na = 1\n', value: '1' });
  assert.deepEqual(planPersist('a = 1\n', 'a', '1', false), { kind: 'configured', value: '1' });
  assert.deepEqual(planPersist('x=1\na = 2\ny = 3', 'a', '1', false), { kind: 'write', text: 'x=1\na = 1\ny = 3', value: '1' });
  assert.deepEqual(planPersist('a = 4096  87380\n', 'a', '4096 87380', true), { kind: 'configured', value: '4096\t87380' });
  assert.deepEqual(sysctlModule.functions.present.schema.required, ['value']);
});
