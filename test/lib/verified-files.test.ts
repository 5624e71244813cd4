import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VerifiedFiles, type CorruptFile } from '../../lib/verified-files.js';
import { tempDir } from '../helpers/context.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

test('a content-addressed file is checked against its hash: tampered, replaced by a directory, or missing', async () => {
  const { dir, cleanup } = await tempDir('umec-verified-');
  try {
    const seen: CorruptFile[] = [];
    const v = new VerifiedFiles((f) => seen.push(f));
    const h = sha('good bytes');
    const path = join(dir, h);
    assert.equal(await v.check(path, h), 'missing');
    await writeFile(path, 'good bytes');
    assert.equal(await v.check(path, h), 'ok');
    assert.equal(await v.check(path, h), 'ok', 'checked again from its fingerprint');
    // the same length, other bytes: a write changes the fingerprint, so the file is hashed again
    await writeFile(path, 'evil bytes');
    assert.equal(await v.check(path, h), 'corrupt');
    assert.deepEqual(seen, [{ path, expected: h, actual: sha('evil bytes') }]);
    await rm(path);
    await mkdir(path);
    assert.equal(await v.check(path, h), 'corrupt');
    assert.equal(seen[1].actual, 'not a regular file');
    await rm(path, { recursive: true });
    await writeFile(path, 'good bytes');
    await v.remember(path, h);
    assert.equal(await v.check(path, h), 'ok');
    assert.equal(seen.length, 2);
  } finally { await cleanup(); }
});
