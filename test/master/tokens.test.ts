import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UmecError } from '../../lib/errors.js';
import { parseGrainPairs, parseTtl, TokenStore } from '../../master/enrol/tokens.js';
import { tempDir } from '../helpers/context.js';

const KEY_A = 'a'.repeat(40);
const KEY_B = 'b'.repeat(40);

test('tokens: stored hashed, single-use by default, expire, revoke; a retry by the same agent and key is not a second use', async () => {
  const { dir, cleanup } = await tempDir('umec-tokens-');
  try {
    const now = new Date('2026-01-01T00:00:00Z');
    const s = await TokenStore.open(dir);
    const { token, record } = await s.create({ ttlSeconds: 3600, uses: 1, grains: { role: 'camera' }, now });
    assert.equal(record.status, 'valid');
    const disk = await readFile(join(dir, 'tokens.json'), 'utf8');
    assert.ok(!disk.includes(token.split('_')[2]));
    assert.deepEqual(await s.redeem(token, 'a', KEY_A, now), { ok: true, token: record.id, grains: { role: 'camera' } });
    assert.deepEqual(await s.redeem(token, 'a', KEY_A, now), { ok: true, token: record.id, grains: { role: 'camera' } }, 'same agent, same key: a retry');
    const other = await s.redeem(token, 'b', KEY_B, now);
    assert.equal(other.ok, false);
    assert.match((other as { reason: string }).reason, /already used \(by a\)/);
    const stolen = await s.redeem(token, 'a', KEY_B, now);
    assert.equal(stolen.ok, false, 'the same id with another key is not the same box');

    // the use survives a restart of the master
    const reopened = await TokenStore.open(dir);
    assert.equal((await reopened.redeem(token, 'c', KEY_B, now)).ok, false);
    assert.equal(reopened.list(now)[0].status, 'used');

    const multi = await reopened.create({ ttlSeconds: 60, uses: 2, now });
    assert.equal((await reopened.redeem(multi.token, 'x', KEY_A, now)).ok, true);
    const late = await reopened.redeem(multi.token, 'y', KEY_B, new Date(now.getTime() + 61_000));
    assert.match((late as { reason: string }).reason, /expired at 2026-01-01T00:01:00/);
    assert.equal(await reopened.revoke(multi.record.id), true);
    assert.match((await reopened.redeem(multi.token, 'y', KEY_B, now) as { reason: string }).reason, /revoked/);
    assert.equal(await reopened.revoke('nope'), false);

    assert.deepEqual(await reopened.redeem('garbage', 'y', KEY_B, now), { ok: false, reason: 'malformed token' });
    assert.deepEqual(await reopened.redeem(`umec_${record.id}_${'x'.repeat(43)}`, 'y', KEY_B, now), { ok: false, reason: 'invalid token' });

    // concurrent redemptions of a single-use token: exactly one wins
    const one = await reopened.create({ ttlSeconds: 60, uses: 1, now });
    const results = await Promise.all(['p', 'q', 'r', 's'].map((id, i) => reopened.redeem(one.token, id, String(i).repeat(40), now)));
    assert.equal(results.filter((r) => r.ok).length, 1);
  } finally { await cleanup(); }
});

test('tokens: static autosign_tokens from master.yaml; a damaged store is an error, never a silent reset; ttl and grains parsing', async () => {
  const { dir, cleanup } = await tempDir('umec-tokens-');
  try {
    const s = await TokenStore.open(dir, ['a-long-static-token-0123']);
    assert.equal((await s.redeem('a-long-static-token-0123', 'z', KEY_A)).ok, true);
    assert.equal((await s.redeem('a-long-static-token-0124', 'z', KEY_A)).ok, false);
    await writeFile(join(dir, 'tokens.json'), '{"tokens": [');
    await assert.rejects(TokenStore.open(dir), (e: UmecError) => e.code === 'CONFIG' && /tokens\.json: damaged token store/.test(e.message));
  } finally { await cleanup(); }
  assert.equal(parseTtl('24h'), 86_400);
  assert.equal(parseTtl('1h30m'), 5400);
  assert.equal(parseTtl('7d'), 604_800);
  for (const bad of ['', '24', 'h', '3 weeks', '0s', '1h-']) assert.throws(() => parseTtl(bad), /--ttl must be/);
  assert.deepEqual(parseGrainPairs(['role=camera', 'site=a=b']), { role: 'camera', site: 'a=b' });
  assert.throws(() => parseGrainPairs(['id=x']), /id grain cannot be preset/);
  assert.throws(() => parseGrainPairs(['=x']), /key=value/);
});
