import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShadowUserDriver, parseGroup, parsePasswd } from '../../../states/drivers/shadow.js';
import { ProcessRunner } from '../../../states/drivers/exec.js';
import type { CommandRunner, ExecResult } from '../../../states/types.js';
import { tempDir } from '../../helpers/context.js';
import { guardHostAccounts, makeRoot } from '../../helpers/shadow-root.js';

const skip = process.getuid?.() !== 0 ? 'shadow-utils tests need root' : false;

async function withDriver(fn: (d: ShadowUserDriver, root: string) => Promise<void>): Promise<void> {
  const { root, cleanup } = await makeRoot('umec-shadow-');
  try { await fn(new ShadowUserDriver({ runner: new ProcessRunner(), root }), root); } finally { await cleanup(); }
}

/** Records argv without running anything. */
class RecordingRunner implements CommandRunner {
  calls: string[][] = [];
  constructor(private readonly result: Partial<ExecResult> = {}) {}
  async run(cmd: string | string[]): Promise<ExecResult> {
    this.calls.push(Array.isArray(cmd) ? cmd : [cmd]);
    return { code: 0, signal: null, stdout: '', stderr: '', timedOut: false, ...this.result };
  }
}

guardHostAccounts();

test('parsePasswd reads fields and skips comments, blank, NIS and malformed lines', () => {
  const entries = parsePasswd('# c\n\nroot:x:0:0:root:/root:/bin/bash\n+nis::::::\nbad:x:1\nbob:x:1000:100:Bob,Room 1:/home/bob:/bin/sh\n');
  assert.deepEqual(entries, [
    { name: 'root', uid: 0, gid: 0, gecos: 'root', home: '/root', shell: '/bin/bash' },
    { name: 'bob', uid: 1000, gid: 100, gecos: 'Bob,Room 1', home: '/home/bob', shell: '/bin/sh' },
  ]);
});

test('parseGroup reads members and treats an empty member field as no members', () => {
  assert.deepEqual(parseGroup('root:x:0:\ndevs:x:1001:alice,bob\n#x:x:1:\n'), [
    { name: 'root', gid: 0, members: [] },
    { name: 'devs', gid: 1001, members: ['alice', 'bob'] },
  ]);
});

test('getUser lists the primary group name plus groups naming the user as member', async () => {
  const { dir: root, cleanup } = await tempDir('umec-shadow-parse-');
  try {
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nann:x:1000:1000:Ann:/home/ann:/bin/sh\n');
    await writeFile(join(root, 'etc/group'), 'root:x:0:\nann:x:1000:\nwheel:x:10:root,ann\naudio:x:29:\n');
    const d = new ShadowUserDriver({ runner: new RecordingRunner(), root });
    assert.deepEqual(await d.getUser('ann'),
      { name: 'ann', uid: 1000, gid: 1000, home: '/home/ann', shell: '/bin/sh', gecos: 'Ann', groups: ['ann', 'wheel'] });
    assert.deepEqual(await d.getGroup('wheel'), { name: 'wheel', gid: 10, members: ['root', 'ann'] });
    assert.equal(await d.getUser('nobody-here'), undefined);
    assert.equal(await d.getGroup('nogroup-here'), undefined);
  } finally { await cleanup(); }
});

test('with root "/" commands are built without --prefix; with another root they get --prefix ROOT', async () => {
  const rec = new RecordingRunner();
  const host = new ShadowUserDriver({ runner: rec });
  await host.addUser({ name: 'u1', uid: 1234, shell: '/bin/sh', groups: ['a', 'b'], createhome: false, system: true, gecos: 'U One' });
  await host.modGroup('g1', { members: [] });
  await host.delUser('u1', { purge: true });
  assert.deepEqual(rec.calls, [
    ['useradd', '--uid', '1234', '--shell', '/bin/sh', '--groups', 'a,b', '--comment', 'U One', '--system', '--no-create-home', 'u1'],
    ['groupmod', '--users', '', 'g1'],
    ['userdel', '--remove', 'u1'],
  ]);
  const rec2 = new RecordingRunner();
  const pre = new ShadowUserDriver({ runner: rec2, root: '/srv/img' });
  await pre.addGroup({ name: 'g', gid: 50, system: false, members: ['x'] });
  await pre.modUser('u', { shell: '/bin/sh' });
  await pre.modUser('u', { gid: 50 });
  await pre.delGroup('g');
  assert.deepEqual(rec2.calls, [
    ['groupadd', '--prefix', '/srv/img', '--gid', '50', '--users', 'x', 'g'],
    ['usermod', '--prefix', '/srv/img', '--shell', '/bin/sh', 'u'],
    ['usermod', '--root', '/srv/img', '--gid', '50', 'u'],
    ['groupdel', '--prefix', '/srv/img', 'g'],
  ]);
});

test('a non-zero exit throws an Error naming the command and its stderr', async () => {
  const d = new ShadowUserDriver({ runner: new RecordingRunner({ code: 6, stderr: "groupdel: group 'x' does not exist\n" }), root: '/r' });
  await assert.rejects(d.delGroup('x'), (e: Error) => {
    assert.match(e.message, /^groupdel --prefix \/r x failed \(exit 6\): groupdel: group 'x' does not exist$/);
    return true;
  });
});

test('addUser with the real useradd writes the user into ROOT/etc/passwd only', { skip }, async () => {
  await withDriver(async (d, root) => {
    await d.addGroup({ name: 'devs', system: false });
    await d.addUser({ name: 'umecalice', uid: 4001, shell: '/bin/sh', groups: ['devs'], createhome: false, system: false, gecos: 'Alice A' });
    const u = await d.getUser('umecalice');
    assert.ok(u);
    assert.equal(u.uid, 4001);
    assert.equal(u.shell, '/bin/sh');
    assert.equal(u.gecos, 'Alice A');
    assert.equal(u.home, '/home/umecalice');
    assert.deepEqual(u.groups, ['devs', 'umecalice']);
    assert.match(await readFile(join(root, 'etc/passwd'), 'utf8'), /^umecalice:x:4001:/m);
    assert.match(await readFile(join(root, 'etc/shadow'), 'utf8'), /^umecalice:/m);
    assert.equal(existsSync(join(root, 'home/umecalice')), false);
  });
});

test('createhome makes the home directory under the prefix, not on the host', { skip }, async () => {
  await withDriver(async (d, root) => {
    assert.equal(existsSync('/home/umechomer'), false);
    await d.addUser({ name: 'umechomer', home: '/home/umechomer', createhome: true, system: false });
    const st = await stat(join(root, 'home/umechomer'));
    assert.ok(st.isDirectory());
    assert.equal(st.uid, (await d.getUser('umechomer'))!.uid);
    assert.equal(existsSync('/home/umechomer'), false);
    await d.delUser('umechomer', { purge: true });
    assert.equal(existsSync(join(root, 'home/umechomer')), false);
    assert.equal(await d.getUser('umechomer'), undefined);
  });
});

test('modUser changes uid, shell, home, gecos and sets the exact supplementary groups', { skip }, async () => {
  await withDriver(async (d) => {
    await d.addGroup({ name: 'a', system: false });
    await d.addGroup({ name: 'b', system: false });
    await d.addUser({ name: 'umecbob', groups: ['a'], createhome: false, system: false });
    await d.modUser('umecbob', { uid: 4100, shell: '/bin/sh', home: '/srv/bob', gecos: 'Bob', groups: ['b'] });
    const u = (await d.getUser('umecbob'))!;
    assert.deepEqual([u.uid, u.shell, u.home, u.gecos], [4100, '/bin/sh', '/srv/bob', 'Bob']);
    assert.deepEqual(u.groups, ['b', 'umecbob']);
    await d.modUser('umecbob', { groups: [] });
    assert.deepEqual((await d.getUser('umecbob'))!.groups, ['umecbob']);
  });
});

test('modUser changes the primary group to a group that exists only under the root', { skip }, async () => {
  await withDriver(async (d) => {
    await d.addGroup({ name: 'umeconlyhere', gid: 4321, system: false });
    await d.addUser({ name: 'umeccarol', createhome: false, system: false });
    await d.modUser('umeccarol', { gid: 'umeconlyhere' });
    assert.equal((await d.getUser('umeccarol'))!.gid, 4321);
    await d.addGroup({ name: 'other', gid: 4322, system: false });
    await d.modUser('umeccarol', { gid: 4322, shell: '/bin/sh' });
    const u = (await d.getUser('umeccarol'))!;
    assert.equal(u.gid, 4322);
    assert.equal(u.shell, '/bin/sh');
  });
});

test('addGroup/modGroup/delGroup with the real tools manage gid and exact membership', { skip }, async () => {
  await withDriver(async (d) => {
    await d.addUser({ name: 'm1', createhome: false, system: false });
    await d.addUser({ name: 'm2', createhome: false, system: false });
    await d.addGroup({ name: 'team', gid: 5000, system: false, members: ['m1'] });
    assert.deepEqual(await d.getGroup('team'), { name: 'team', gid: 5000, members: ['m1'] });
    await d.modGroup('team', { gid: 5001, members: ['m2', 'm1'] });
    assert.deepEqual(await d.getGroup('team'), { name: 'team', gid: 5001, members: ['m2', 'm1'] });
    await d.modGroup('team', { members: [] });
    assert.deepEqual((await d.getGroup('team'))!.members, []);
    await d.addGroup({ name: 'sys', system: true });
    assert.ok((await d.getGroup('sys'))!.gid < 1000);
    await d.delGroup('team');
    assert.equal(await d.getGroup('team'), undefined);
  });
});

test('a failing real command surfaces its stderr', { skip }, async () => {
  await withDriver(async (d) => {
    await assert.rejects(d.delGroup('nosuchgroup'), /groupdel .*nosuchgroup failed \(exit 6\): .*does not exist/);
    await assert.rejects(d.addUser({ name: 'x', groups: ['nosuch'], createhome: false, system: false }), /useradd .* failed .*nosuch/);
  });
});
