import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userModule } from '../../../states/modules/user.js';
import { StateRegistry } from '../../../states/registry.js';
import { etcSnapshot, guardHostAccounts, withStateRoot, type StateEnv } from '../../helpers/shadow-root.js';

// Skipped only when not root: useradd/groupadd need root even in a private root; CI runs as root and
// check-skips.mjs fails on any skip.
const skip = process.getuid?.() !== 0 ? 'shadow-utils tests need root' : false;
const registry = new StateRegistry([userModule]);

async function withRoot(fn: (env: StateEnv) => Promise<void>): Promise<void> {
  await withStateRoot(userModule, fn);
}

guardHostAccounts();

test('schemas reject unknown arguments and fill Salt defaults', () => {
  const { args } = registry.validate('user', 'present', {});
  assert.deepEqual(args, {
    remove_groups: true, createhome: true, system: false, hash_password: false, enforce_password: true, empty_password: false,
    allow_uid_change: false, allow_gid_change: false, unique: true, nologinit: false,
  });
  assert.deepEqual(registry.validate('user', 'absent', {}).args, { purge: false });
  assert.ok(registry.validate('user', 'present', { bogus: 1 }).errors.length > 0);
  assert.ok(registry.validate('user', 'present', { uid: 'abc' }).errors.length > 0);
  assert.deepEqual(registry.validate('user', 'present', { gid: 'staff' }).errors, []);
  assert.deepEqual(registry.validate('user', 'present', { gid: 100, groups: ['a'], optional_groups: ['b'], fullname: 'F' }).errors, []);
});

test('present creates a missing user and reports its attributes as changes', { skip }, async () => {
  await withRoot(async ({ root, state }) => {
    const r = await state('present', { name: 'umecann', uid: 4200, shell: '/bin/sh', fullname: 'Ann Example', createhome: false });
    assert.equal(r.result, true);
    assert.equal(r.comment, 'New user umecann created');
    // Salt's user.info shape; home is '' because createhome is false (Salt says so too)
    assert.deepEqual(r.changes, {
      gid: r.changes.gid, groups: ['umecann'], home: '', name: 'umecann', passwd: 'x', shell: '/bin/sh', uid: 4200,
      fullname: 'Ann Example', roomnumber: '', workphone: '', homephone: '', other: '',
    });
    assert.equal(typeof r.changes.gid, 'number');
    assert.match(await readFile(join(root, 'etc/passwd'), 'utf8'), /^umecann:x:4200:\d+:Ann Example:\/home\/umecann:\/bin\/sh$/m);
  });
});

test('a second identical run reports no changes', { skip }, async () => {
  await withRoot(async ({ root, state }) => {
    const args = { name: 'umecben', shell: '/bin/sh', createhome: false, fullname: 'Ben' };
    assert.equal((await state('present', args)).result, true);
    const before2 = await etcSnapshot(root);
    const r = await state('present', args);
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, {});
    assert.equal(r.comment, 'User umecben is present and up to date');
    assert.deepEqual(await etcSnapshot(root), before2);
  });
});

test('changing the shell of an existing user reports only the shell', { skip }, async () => {
  await withRoot(async ({ driver, state }) => {
    await state('present', { name: 'umeccid', shell: '/bin/sh', createhome: false });
    const r = await state('present', { name: 'umeccid', shell: '/bin/bash', createhome: false });
    assert.equal(r.result, true);
    assert.equal(r.comment, 'Updated user umeccid');
    assert.deepEqual(r.changes, { shell: '/bin/bash' });
    assert.equal((await driver.getUser('umeccid'))!.shell, '/bin/bash');
  });
});

test('groups sets exactly the listed supplementary groups (remove_groups defaults to true)', { skip }, async () => {
  await withRoot(async ({ driver, state }) => {
    for (const g of ['a', 'b', 'c']) await driver.addGroup({ name: g, system: false });
    let r = await state('present', { name: 'umecdee', groups: ['a', 'b'], createhome: false });
    assert.deepEqual(r.changes.groups, ['a', 'b', 'umecdee']);
    r = await state('present', { name: 'umecdee', groups: ['c', 'b'], createhome: false });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { groups: ['b', 'c', 'umecdee'] });
    assert.deepEqual((await driver.getGroup('a'))!.members, []);
    r = await state('present', { name: 'umecdee', groups: ['b', 'c'], createhome: false });
    assert.deepEqual(r.changes, {});
  });
});

test('remove_groups false only adds groups and keeps existing memberships', { skip }, async () => {
  await withRoot(async ({ driver, state }) => {
    for (const g of ['a', 'b']) await driver.addGroup({ name: g, system: false });
    await state('present', { name: 'umeceve', groups: ['a'], createhome: false });
    const r = await state('present', { name: 'umeceve', groups: ['b'], remove_groups: false, createhome: false });
    assert.deepEqual(r.changes, { groups: ['a', 'b', 'umeceve'] });
    const again = await state('present', { name: 'umeceve', groups: ['b'], remove_groups: false, createhome: false });
    assert.deepEqual(again.changes, {});
  });
});

test('optional_groups that do not exist are skipped without failing', { skip }, async () => {
  await withRoot(async ({ driver, state }) => {
    await driver.addGroup({ name: 'a', system: false });
    const r = await state('present', { name: 'umecfay', optional_groups: ['a', 'missing'], createhome: false });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes.groups, ['a', 'umecfay']);
  });
});

test('a missing group in groups or gid fails, names it and creates nothing', { skip }, async () => {
  await withRoot(async ({ root, state }) => {
    const snap = await etcSnapshot(root);
    const r = await state('present', { name: 'umecgus', groups: ['nosuch1', 'nosuch2'], createhome: false });
    assert.equal(r.result, false);
    assert.equal(r.comment, 'The following group(s) are not present: nosuch1,nosuch2');
    assert.deepEqual(r.changes, {});
    const r2 = await state('present', { name: 'umecgus', gid: 'nogid', createhome: false });
    assert.equal(r2.result, false);
    assert.match(r2.comment, /nogid/);
    // Salt's dry run: the primary group may come from a group.present earlier in the run
    const dry = await state('present', { name: 'umecgus', gid: 'nogid', createhome: false }, true);
    assert.deepEqual([dry.result, dry.comment, dry.changes.gid], [null, 'User umecgus set to be added', 'nogid']);
    assert.deepEqual(await etcSnapshot(root), snap);
  });
});

test('gid by group name changes the primary group (a group known only under the root)', { skip }, async () => {
  await withRoot(async ({ driver, state }) => {
    await driver.addGroup({ name: 'umecstaff', gid: 4500, system: false });
    await state('present', { name: 'umechal', createhome: false });
    const refused = await state('present', { name: 'umechal', gid: 'umecstaff', createhome: false });
    assert.equal(refused.result, false);
    assert.match(refused.comment, /^Changing gid \(\d+ -> 4500\) not permitted, set allow_gid_change to True to force this change\./);
    const r = await state('present', { name: 'umechal', gid: 'umecstaff', createhome: false, allow_gid_change: true });
    assert.equal(r.result, true, r.comment);
    assert.equal(r.changes.gid, 4500);
    assert.equal((await driver.getUser('umechal'))!.gid, 4500);
    assert.deepEqual((await state('present', { name: 'umechal', gid: 4500, createhome: false })).changes, {});
  });
});

test('test mode predicts creation with result null and changes nothing on disk', { skip }, async () => {
  await withRoot(async ({ root, driver, state }) => {
    const snap = await etcSnapshot(root);
    const r = await state('present', { name: 'umecivy', uid: 4300, shell: '/bin/sh', createhome: true, home: '/home/umecivy' }, true);
    assert.equal(r.result, null);
    assert.equal(r.comment, 'User umecivy set to be added');
    assert.deepEqual(r.changes, { name: 'umecivy', uid: 4300, home: '/home/umecivy', shell: '/bin/sh' });
    assert.deepEqual(await etcSnapshot(root), snap);
    assert.equal(existsSync(join(root, 'home/umecivy')), false);
    assert.equal(await driver.getUser('umecivy'), undefined);
  });
});

test('test mode predicts attribute changes of an existing user without applying them', { skip }, async () => {
  await withRoot(async ({ root, driver, state }) => {
    await driver.addGroup({ name: 'a', system: false });
    await state('present', { name: 'umecjon', shell: '/bin/sh', createhome: false });
    const snap = await etcSnapshot(root);
    const r = await state('present', { name: 'umecjon', shell: '/bin/bash', groups: ['a'], createhome: false }, true);
    assert.equal(r.result, null);
    assert.deepEqual(r.changes, { shell: '/bin/bash', groups: ['a', 'umecjon'] });
    assert.match(r.comment, /^The following user attributes are set to be changed:\n/);
    assert.deepEqual(await etcSnapshot(root), snap);
    const ok = await state('present', { name: 'umecjon', shell: '/bin/sh', createhome: false }, true);
    assert.equal(ok.result, true);
    assert.deepEqual(ok.changes, {});
  });
});

test('createhome creates the home under the temporary root', { skip }, async () => {
  await withRoot(async ({ root, state }) => {
    const r = await state('present', { name: 'umeckim', home: '/home/umeckim' });
    assert.equal(r.result, true, r.comment);
    assert.ok(existsSync(join(root, 'home/umeckim')));
    assert.equal(existsSync('/home/umeckim'), false);
  });
});

test('absent removes an existing user, is a no-op when missing, and purge removes the home', { skip }, async () => {
  await withRoot(async ({ root, driver, state }) => {
    await state('present', { name: 'umeclee', home: '/home/umeclee' });
    const snap = await etcSnapshot(root);
    const t = await state('absent', { name: 'umeclee', purge: true }, true);
    assert.equal(t.result, null);
    assert.deepEqual(t.changes, { umeclee: 'removed' });
    assert.deepEqual(await etcSnapshot(root), snap);
    const r = await state('absent', { name: 'umeclee', purge: true });
    assert.equal(r.result, true);
    assert.equal(r.comment, 'Removed user umeclee');
    assert.deepEqual(r.changes, { umeclee: 'removed' });
    assert.equal(await driver.getUser('umeclee'), undefined);
    assert.equal(existsSync(join(root, 'home/umeclee')), false);
    const again = await state('absent', { name: 'umeclee' });
    assert.equal(again.result, true);
    assert.deepEqual(again.changes, {});
    assert.equal(again.comment, 'User umeclee is not present');
  });
});

test('password hash, GECOS fields and expire: set on creation as Salt reports them, enforced later, idempotent', { skip }, async () => {
  await withRoot(async ({ root, state }) => {
    const hash = '$6$w.salt$0123456789abcdef';
    const args = {
      name: 'umecbob', password: hash, fullname: 'B User', roomnumber: 'A-1', workphone: '(555) 555-5555',
      homephone: '(555) 555-5551', expire: 16426, createhome: false, shell: '/bin/bash',
    };
    const r = await state('present', args);
    assert.equal(r.result, true, r.comment);
    assert.equal(r.comment, 'New user umecbob created');
    assert.equal(r.changes.password, 'XXX-REDACTED-XXX');
    assert.equal(r.changes.expire, 16426);
    assert.deepEqual([r.changes.fullname, r.changes.roomnumber, r.changes.workphone, r.changes.homephone, r.changes.other],
      ['B User', 'A-1', '(555) 555-5555', '(555) 555-5551', '']);
    assert.match(await readFile(join(root, 'etc/passwd'), 'utf8'), /^umecbob:x:\d+:\d+:B User,A-1,\(555\) 555-5555,\(555\) 555-5551:/m);
    assert.match(await readFile(join(root, 'etc/shadow'), 'utf8'), /^umecbob:\$6\$w\.salt\$0123456789abcdef:\d+:.*:16426:$/m);
    const again = await state('present', args);
    assert.deepEqual([again.result, again.changes, again.comment], [true, {}, 'User umecbob is present and up to date']);
    const dry = await state('present', { ...args, password: '$6$x$y', workphone: '1' }, true);
    assert.equal(dry.result, null);
    assert.deepEqual(dry.changes, { workphone: '1', passwd: 'XXX-REDACTED-XXX' });
    const changed = await state('present', { ...args, password: '$6$x$y', workphone: '1' });
    assert.deepEqual(changed.changes, { workphone: '1', passwd: 'XXX-REDACTED-XXX' });
    const notEnforced = await state('present', { ...args, enforce_password: false });
    assert.deepEqual(notEnforced.changes, { workphone: '(555) 555-5555' });
  });
});
