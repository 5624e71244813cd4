import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadOrCreateKeyPair } from '../../lib/keypair.js';
import { tempDir } from '../helpers/context.js';

test('a key pair is made once, kept, and the secret key file is private', async () => {
  const { dir, cleanup } = await tempDir('umec-kp-');
  try {
    const a = await loadOrCreateKeyPair(dir, 'agent');
    const b = await loadOrCreateKeyPair(dir, 'agent');
    assert.deepEqual(a, b);
    assert.equal((await stat(join(dir, 'agent.key'))).mode & 0o777, 0o600);
  } finally { await cleanup(); }
});

test('a lost .pub is derived from the secret key; the identity stays', async () => {
  const { dir, cleanup } = await tempDir('umec-kp-');
  try {
    const a = await loadOrCreateKeyPair(dir, 'm');
    await rm(join(dir, 'm.pub'));
    assert.deepEqual(await loadOrCreateKeyPair(dir, 'm'), a);
    assert.equal((await readFile(join(dir, 'm.pub'), 'utf8')).trim(), a.publicKey);
  } finally { await cleanup(); }
});

test('a missing or damaged secret key is an error, never a silent new identity', async () => {
  const { dir, cleanup } = await tempDir('umec-kp-');
  try {
    await loadOrCreateKeyPair(dir, 'm');
    const pub = await readFile(join(dir, 'm.pub'), 'utf8');
    await writeFile(join(dir, 'm.key'), 'garbage\n');
    await assert.rejects(loadOrCreateKeyPair(dir, 'm'), /m\.key is damaged/);
    await rm(join(dir, 'm.key'));
    await assert.rejects(loadOrCreateKeyPair(dir, 'm'), /refusing to make a new identity/);
    assert.equal(await readFile(join(dir, 'm.pub'), 'utf8'), pub, 'the public key file is untouched');
  } finally { await cleanup(); }
});
