import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { KeyStore } from '../../master/keys.js';
import { tempDir } from '../helpers/context.js';

test('two concurrent requests for one new id with different keys: one pending, the other a conflict; the file holds the winner', async () => {
  const { dir, cleanup } = await tempDir('umec-keys-');
  try {
    const ks = await KeyStore.open(dir);
    const [a, b] = [curveKeyPair().publicKey, curveKeyPair().publicKey];
    const results = await Promise.all([ks.request('edge-1', a), ks.request('edge-1', b)]);
    assert.deepEqual(results, ['pending', 'conflict']);
    assert.equal((await readFile(join(dir, 'pending', 'edge-1'), 'utf8')).trim(), a);
    assert.equal((await KeyStore.open(dir)).get('edge-1')!.key, a, 'the same after a restart');
  } finally { await cleanup(); }
});

test('one public key cannot be registered under a second id', async () => {
  const { dir, cleanup } = await tempDir('umec-keys-');
  try {
    const ks = await KeyStore.open(dir);
    const k = curveKeyPair().publicKey;
    assert.equal(await ks.request('a', k), 'pending');
    await ks.move('a', 'accepted');
    assert.equal(await ks.request('alias', k), 'conflict');
    assert.equal(ks.byPublicKey(k)!.id, 'a');
    assert.deepEqual(ks.list(), { pending: [], accepted: ['a'], rejected: [] });
  } finally { await cleanup(); }
});

test('accept, reject and delete move the key file and survive a restart', async () => {
  const { dir, cleanup } = await tempDir('umec-keys-');
  try {
    const ks = await KeyStore.open(dir);
    for (const id of ['x', 'y', 'z']) await ks.request(id, curveKeyPair().publicKey);
    await ks.move('x', 'accepted');
    await ks.move('y', 'rejected');
    await ks.delete('z');
    assert.deepEqual((await KeyStore.open(dir)).list(), { pending: [], accepted: ['x'], rejected: ['y'] });
  } finally { await cleanup(); }
});
