import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileAppIdentityProvider } from '../../agent/containers/file-identity.js';
import { identityEnv } from '../../lib/app-identity.js';
import type { UmecError } from '../../lib/errors.js';
import { tempDir } from '../helpers/context.js';

test('file-backed app identities: stable per instance, durable across restarts, removable, file mode 0600', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'sub', 'ids.json');
    const p = new FileAppIdentityProvider(file, 'https://box:8081');
    const [a, b] = await Promise.all([p.ensure('i-1', { appName: 'demo' }), p.ensure('i-1')]);
    assert.deepEqual(a, b, 'concurrent first uses share one identity');
    const c = await p.ensure('i-2');
    assert.notEqual(c.clientSecret, a.clientSecret);
    assert.ok(a.clientSecret.length >= 40);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const again = new FileAppIdentityProvider(file, 'https://box:8081');
    assert.deepEqual(await again.ensure('i-1'), a, 'same id, same identity after a restart');
    await again.remove('i-1');
    const third = new FileAppIdentityProvider(file, 'https://box:8081');
    assert.notEqual((await third.ensure('i-1')).clientSecret, a.clientSecret, 'a removed identity is not handed out again');
    assert.deepEqual(identityEnv(c, third.endpoint()), {
      MEC_APP_INSTANCE_ID: 'i-2', MEC_APP_CLIENT_ID: c.clientId, MEC_APP_CLIENT_SECRET: c.clientSecret, MEC_MP1_ENDPOINT: 'https://box:8081',
    });
  } finally { await cleanup(); }
});

test('a damaged identity store is an error, not a silent reset', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'ids.json');
    await writeFile(file, '{not json');
    await assert.rejects(new FileAppIdentityProvider(file, 'https://x').ensure('i-1'), (e: UmecError) => e.code === 'CONFIG' && /ids\.json: damaged app identity store/.test(e.message));
    await writeFile(file, '{"identities": 3}');
    await assert.rejects(new FileAppIdentityProvider(file, 'https://x').ensure('i-1'), /no "identities" mapping/, 'a wrong shape is refused too, never reset');
    assert.equal(await readFile(file, 'utf8'), '{"identities": 3}', 'the damaged file is left for a human');
  } finally { await cleanup(); }
});
