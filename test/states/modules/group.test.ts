import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { groupModule } from '../../../states/modules/group.js';
import { StateRegistry } from '../../../states/registry.js';
import { etcSnapshot, guardHostAccounts, withStateRoot, type StateEnv } from '../../helpers/shadow-root.js';

const skip = process.getuid?.() !== 0 ? 'shadow-utils tests need root' : false;
const registry = new StateRegistry([groupModule]);

async function withRoot(fn: (env: StateEnv) => Promise<void>): Promise<void> {
  await withStateRoot(groupModule, fn, async (driver) => {
    for (const u of ['ua', 'ub', 'uc']) await driver.addUser({ name: u, createhome: false, system: false });
  });
}

guardHostAccounts();

test('schemas fill system=false, reject unknown arguments and non-integer gids', () => {
  assert.deepEqual(registry.validate('group', 'present', {}).args, { system: false });
  assert.ok(registry.validate('group', 'present', { gid: 'x' }).errors.length > 0);
  assert.ok(registry.validate('group', 'absent', { purge: true }).errors.length > 0);
});

test('present creates a missing group with gid and members and reports them', { skip }, async () => {
  await withRoot(async ({ root, state }) => {
    const r = await state('present', { name: 'team', gid: 6000, members: ['ub', 'ua'] });
    assert.equal(r.result, true, r.comment);
    assert.equal(r.comment, 'New group team created');
    assert.deepEqual(r.changes, { name: 'team', gid: 6000, members: ['ua', 'ub'] });
    assert.match(await readFile(join(root, 'etc/group'), 'utf8'), /^team:x:6000:u[ab],u[ab]$/m);
  });
});

test('a second identical run reports no changes and leaves the files alone', { skip }, async () => {
  await withRoot(async ({ root, state }) => {
    await state('present', { name: 'team', gid: 6000, members: ['ua'] });
    const snap = await etcSnapshot(root);
    const r = await state('present', { name: 'team', gid: 6000, members: ['ua'] });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, {});
    assert.equal(r.comment, 'Group team is present and up to date');
    assert.deepEqual(await etcSnapshot(root), snap);
  });
});

test('members sets exact membership and gid changes are applied', { skip }, async () => {
  await withRoot(async ({ driver, state }) => {
    await state('present', { name: 'team', members: ['ua', 'ub'] });
    const r = await state('present', { name: 'team', gid: 6100, members: ['uc'] });
    assert.equal(r.result, true, r.comment);
    assert.equal(r.comment, 'Updated group team');
    assert.deepEqual(r.changes, { gid: 6100, members: ['uc'] });
    assert.deepEqual(await driver.getGroup('team'), { name: 'team', gid: 6100, members: ['uc'] });
    const empty = await state('present', { name: 'team', members: [] });
    assert.deepEqual(empty.changes, { members: [] });
  });
});

test('addusers and delusers adjust membership without replacing it', { skip }, async () => {
  await withRoot(async ({ driver, state }) => {
    await state('present', { name: 'team', members: ['ua', 'ub'] });
    const r = await state('present', { name: 'team', addusers: ['uc'], delusers: ['ua'] });
    assert.deepEqual(r.changes, { members: ['ub', 'uc'] });
    assert.deepEqual([...(await driver.getGroup('team'))!.members].sort(), ['ub', 'uc']);
    assert.deepEqual((await state('present', { name: 'team', addusers: ['uc'], delusers: ['ua'] })).changes, {});
  });
});

test('members together with addusers is rejected as conflicting', { skip }, async () => {
  await withRoot(async ({ state }) => {
    const r = await state('present', { name: 'team', members: ['ua'], addusers: ['ub'] });
    assert.equal(r.result, false);
    assert.match(r.comment, /Conflicting options/);
  });
});

test('a member that is not a user fails, names it and creates nothing', { skip }, async () => {
  await withRoot(async ({ root, state }) => {
    const snap = await etcSnapshot(root);
    const r = await state('present', { name: 'team', members: ['ua', 'ghost'] });
    assert.equal(r.result, false);
    assert.equal(r.comment, 'The following user(s) are not present: ghost');
    assert.deepEqual(await etcSnapshot(root), snap);
  });
});

test('system creates a group in the system gid range', { skip }, async () => {
  await withRoot(async ({ driver, state }) => {
    await state('present', { name: 'sysgrp', system: true });
    assert.ok((await driver.getGroup('sysgrp'))!.gid < 1000);
  });
});

test('test mode reports predicted creation and changes with result null and touches nothing', { skip }, async () => {
  await withRoot(async ({ root, state }) => {
    let snap = await etcSnapshot(root);
    const t = await state('present', { name: 'team', gid: 6000, members: ['ua'] }, true);
    assert.equal(t.result, null);
    assert.equal(t.comment, 'Group team set to be added');
    assert.deepEqual(t.changes, { name: 'team', gid: 6000, members: ['ua'] });
    assert.deepEqual(await etcSnapshot(root), snap);
    await state('present', { name: 'team', gid: 6000, members: ['ua'] });
    snap = await etcSnapshot(root);
    const t2 = await state('present', { name: 'team', gid: 6001, members: ['ub'] }, true);
    assert.equal(t2.result, null);
    assert.deepEqual(t2.changes, { gid: 6001, members: ['ub'] });
    assert.deepEqual(await etcSnapshot(root), snap);
    const t3 = await state('absent', { name: 'team' }, true);
    assert.equal(t3.result, null);
    assert.deepEqual(await etcSnapshot(root), snap);
  });
});

test('absent removes the group and is a no-op when it is missing', { skip }, async () => {
  await withRoot(async ({ driver, state }) => {
    await state('present', { name: 'team' });
    const r = await state('absent', { name: 'team' });
    assert.equal(r.result, true);
    assert.equal(r.comment, 'Removed group team');
    assert.deepEqual(r.changes, { team: '' });
    assert.equal(await driver.getGroup('team'), undefined);
    const again = await state('absent', { name: 'team' });
    assert.equal(again.result, true);
    assert.deepEqual(again.changes, {});
    assert.equal(again.comment, 'Group team is not present');
  });
});

test('absent of a user\'s primary group fails with groupdel\'s reason', { skip }, async () => {
  await withRoot(async ({ state }) => {
    const r = await state('absent', { name: 'ua' });
    assert.equal(r.result, false);
    assert.match(r.comment, /cannot remove the primary group/);
  });
});
