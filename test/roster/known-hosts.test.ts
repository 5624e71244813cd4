import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fingerprint, hostName, KnownHosts, keyTypeOf, parseKnownHosts, patternsMatch } from '../../roster/known-hosts.js';
import { tempDir } from '../helpers/context.js';

/** An ssh-ed25519 public key blob, as a server sends it. */
function edBlob(): Buffer {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const name = Buffer.from('ssh-ed25519');
  const len = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  return Buffer.concat([len(name.length), name, len(raw.length), raw]);
}
const line = (names: string, key: Buffer) => `${names} ssh-ed25519 ${key.toString('base64')}`;

test('host names use [host]:port except on port 22', () => {
  assert.equal(hostName('box', 22), 'box');
  assert.equal(hostName('10.0.0.1', 2222), '[10.0.0.1]:2222');
});

test('patterns: plain, wildcard, negation and hashed names match as ssh does', () => {
  assert.ok(patternsMatch('box,other', ['box']));
  assert.ok(patternsMatch('*.edge.local', ['cam1.edge.local']));
  assert.ok(!patternsMatch('*.edge.local,!cam1.edge.local', ['cam1.edge.local']));
  assert.ok(patternsMatch('[127.0.0.1]:2222', ['[127.0.0.1]:2222']));
  assert.ok(!patternsMatch('127.0.0.1', ['[127.0.0.1]:2222']));
  const salt = Buffer.from('0123456789abcdef0123');
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('box').digest('base64')}`;
  assert.ok(patternsMatch(hashed, ['box']));
  assert.ok(!patternsMatch(hashed, ['other']));
});

test('verdicts: match, unknown, changed (naming the line), revoked', async () => {
  const { dir, cleanup } = await tempDir('umec-kh-');
  try {
    const [a, b, c] = [edBlob(), edBlob(), edBlob()];
    const file = join(dir, 'known_hosts');
    await writeFile(file, `# comment\n${line('box', a)}\n${line('[box]:2222', b)}\n@revoked ${line('*', c)}\ngarbage\n`);
    const kh = new KnownHosts(file);
    assert.deepEqual(await kh.verdict('box', 22, a), { kind: 'match' });
    assert.deepEqual(await kh.verdict('new', 22, a), { kind: 'unknown' });
    const changed = await kh.verdict('box', 22, b);
    assert.equal(changed.kind, 'changed');
    assert.equal((changed as { line: number }).line, 2);
    assert.match((changed as { expected: string }).expected, /^ssh-ed25519 SHA256:/);
    assert.deepEqual(await kh.verdict('box', 2222, b), { kind: 'match' });
    assert.equal((await kh.verdict('elsewhere', 22, c)).kind, 'revoked');
    assert.deepEqual(await kh.algorithmsFor('box', 22), ['ssh-ed25519']);
    assert.equal(await kh.algorithmsFor('nobody', 22), undefined);
    assert.equal(keyTypeOf(a), 'ssh-ed25519');
    assert.match(fingerprint(a), /^SHA256:[A-Za-z0-9+/]{43}$/);
  } finally { await cleanup(); }
});

test('accepting new hosts appends every key even when hosts are added in parallel', async () => {
  const { dir, cleanup } = await tempDir('umec-kh-');
  try {
    const file = join(dir, 'sub', 'known_hosts');
    const kh = new KnownHosts(file);
    const keys = Array.from({ length: 8 }, edBlob);
    await Promise.all(keys.map((k, i) => kh.add('127.0.0.1', 2200 + i, k)));
    const lines = parseKnownHosts(await readFile(file, 'utf8'));
    assert.equal(lines.length, 8);
    const fresh = new KnownHosts(file);
    for (const [i, k] of keys.entries()) assert.deepEqual(await fresh.verdict('127.0.0.1', 2200 + i, k), { kind: 'match' });
  } finally { await cleanup(); }
});
