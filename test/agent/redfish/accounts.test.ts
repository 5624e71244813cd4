import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { AccountStore } from '../../../agent/redfish/accounts.js';
import { SessionStore, type Session } from '../../../agent/redfish/sessions.js';
import { tempDir } from '../../helpers/context.js';

test('lockout: N failures in a row lock for the duration, then the right password works again; old failures expire', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    let now = 1_000_000;
    const s = await new AccountStore(join(dir, 'a.json'), { threshold: 3, duration: 300, resetAfter: 60 }, () => now).load();
    await s.create({ username: 'u', password: 'right-pass-1', role: 'Operator' });
    // two failures, a minute of quiet: the count starts over
    assert.equal(await s.authenticate('u', 'x1'), null);
    assert.equal(await s.authenticate('u', 'x2'), null);
    now += 61_000;
    assert.equal(await s.authenticate('u', 'x3'), null);
    assert.ok(await s.authenticate('u', 'right-pass-1'), 'not locked: the earlier failures had expired');
    for (const p of ['y1', 'y2', 'y3']) assert.equal(await s.authenticate('u', p), null);
    assert.equal(s.isLocked('u'), true);
    assert.equal(await s.authenticate('u', 'right-pass-1'), null, 'locked: even the right password fails');
    now += 299_000;
    assert.equal(await s.authenticate('u', 'right-pass-1'), null);
    now += 2_000;
    assert.ok(await s.authenticate('u', 'right-pass-1'), 'unlocked after the duration');
    // unknown users and disabled accounts: null, nothing stored about them
    assert.equal(await s.authenticate('nobody', 'right-pass-1'), null);
    const a = s.byName('u')!;
    await s.update(a.id, { enabled: false });
    assert.equal(await s.authenticate('u', 'right-pass-1'), null);
  } finally { await cleanup(); }
});

test('concurrent changes are serialised and all on disk; a bad file is reported, never overwritten', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'accounts.json');
    const s = await new AccountStore(file, { threshold: 3, duration: 60, resetAfter: 60 }).load();
    await Promise.all(['a1', 'a2', 'a3', 'a4'].map((u) => s.create({ username: u, password: `${u}-password`, role: 'ReadOnly' })));
    const fresh = await new AccountStore(file, { threshold: 3, duration: 60, resetAfter: 60 }).load();
    assert.deepEqual(fresh.list().map((a) => [a.id, a.username]).sort(), [['1', 'a1'], ['2', 'a2'], ['3', 'a3'], ['4', 'a4']]);
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), []);
    await assert.rejects(s.create({ username: 'a1', password: 'another-pass', role: 'ReadOnly' }), /a1: already exists/);
    await assert.rejects(s.create({ username: 'a5', password: 'short', role: 'ReadOnly' }), /password must be 8 to 128 characters/);
    const bad = JSON.stringify({ version: 1, accounts: [{ id: '1', username: 'x', role: 'Root', enabled: true, hash: 'scrypt$1' }] });
    await writeFile(file, bad);
    await assert.rejects(new AccountStore(file, { threshold: 3, duration: 60, resetAfter: 60 }).load(), /accounts\.json: \/accounts\/0\/role must be equal to one of the allowed values/);
    await assert.rejects(s.create({ username: 'a6', password: 'a6-password', role: 'ReadOnly' }), /REDFISH_ACCOUNTS|accounts\.json/);
    assert.equal(await readFile(file, 'utf8'), bad, 'the damaged file is left for the operator');
  } finally { await cleanup(); }
});

test('sessions: a limit on open sessions in all and per account, idle timeout, and ending every session of an account', () => {
  let now = 0;
  const s = new SessionStore(60, { total: 3, perAccount: 2 }, () => now);
  const live = () => true;
  const owner = (id: string) => ({ id, username: `user${id}`, generation: 'g1' });
  const a = s.create(owner('1'), live) as Session;
  assert.ok(s.create(owner('1'), live));
  assert.equal(s.create(owner('1'), live), 'account', 'the account has its 2');
  const b = s.create(owner('2'), live) as Session;
  assert.equal(s.create(owner('3'), live), 'total', 'all 3 are taken');
  now += 30_000;
  assert.ok(s.use(a.token, live));
  now += 45_000;
  assert.ok(s.use(a.token, live), 'used 45 s ago: alive');
  assert.equal(s.use(b.token, live), undefined, 'idle 75 s: timed out');
  assert.ok(s.create(owner('3'), live), 'the timed-out one freed its place');
  s.deleteAccount('1');
  assert.equal(s.use(a.token, live), undefined);
  // a session whose account is no longer current is ended when used and holds no place
  const c = s.create(owner('4'), live) as Session;
  assert.equal(s.use(c.token, (x) => x.generation === 'g2'), undefined);
  assert.equal(s.list().some((x) => x.id === c.id), false);
});
