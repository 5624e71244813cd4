import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileServer } from '../../master/fileserver.js';
import { sha256File } from '../../lib/manifest.js';
import { tempDir } from '../helpers/context.js';
import { writeTree } from '../helpers/tree.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function withTree(files: Record<string, string>, fn: (root: string, dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir('umec-fs-');
  try {
    const root = join(dir, 'tree');
    await writeTree(root, files);
    await fn(root, dir);
  } finally { await cleanup(); }
}

test('manifest lists every file by posix path with its sha256; the tree hash is stable', async () => {
  await withTree({ 'top.sls': 'base: {}\n', 'apps/web/init.sls': 'web: {}\n', 'files/motd': 'hi\n' }, async (root) => {
    const fs = new FileServer(root);
    const m = await fs.manifest();
    assert.deepEqual(m.files, { 'apps/web/init.sls': sha('web: {}\n'), 'files/motd': sha('hi\n'), 'top.sls': sha('base: {}\n') });
    assert.match(m.hash, /^[0-9a-f]{64}$/);
    assert.equal((await fs.manifest()).hash, m.hash);
    assert.equal((await new FileServer(root).manifest()).hash, m.hash, 'a fresh server computes the same hash');
  });
});

test('the tree hash changes when a file changes, and a new file appears', async () => {
  await withTree({ 'a.sls': 'a: 1\n' }, async (root) => {
    const fs = new FileServer(root);
    const before = await fs.manifest();
    await writeFile(join(root, 'a.sls'), 'a: 22\n');
    const changed = await fs.manifest();
    assert.notEqual(changed.hash, before.hash);
    assert.equal(changed.files['a.sls'], sha('a: 22\n'));
    await writeTree(root, { 'sub/b.sls': 'b: 1\n' });
    const added = await fs.manifest();
    assert.equal(added.files['sub/b.sls'], sha('b: 1\n'));
    assert.notEqual(added.hash, changed.hash);
  });
});

test('read returns the bytes for a hash in the manifest; unknown or malformed hashes give undefined', async () => {
  await withTree({ 'files/motd': 'hello\n' }, async (root) => {
    const fs = new FileServer(root);
    const m = await fs.manifest();
    assert.equal((await fs.read(m.files['files/motd']))?.toString(), 'hello\n');
    assert.equal(await fs.read(sha('not in the tree')), undefined);
    for (const bad of ['', 'abc', '../../etc/passwd', m.files['files/motd'].toUpperCase(), `${m.files['files/motd']}0`, 'g'.repeat(64)]) {
      assert.equal(await fs.read(bad), undefined, bad);
    }
  });
});

test('read gives undefined once the file has changed after the manifest', async () => {
  await withTree({ 'a.txt': 'one\n' }, async (root) => {
    const fs = new FileServer(root);
    const m = await fs.manifest();
    await writeFile(join(root, 'a.txt'), 'two\n');
    assert.equal(await fs.read(m.files['a.txt']), undefined);
  });
});

test('symlinks escaping the root are neither listed nor served; links inside the root are', async () => {
  await withTree({ 'real.txt': 'inside\n', 'dir/x.txt': 'x\n' }, async (root, dir) => {
    await writeFile(join(dir, 'secret'), 'outside\n');
    await writeTree(dir, { 'outdir/o.txt': 'o\n' });
    await symlink(join(dir, 'secret'), join(root, 'leak'));
    await symlink('../outdir', join(root, 'leakdir'));
    await symlink('real.txt', join(root, 'alias.txt'));
    await symlink('dir', join(root, 'dirlink'));
    await symlink('..', join(root, 'dir', 'loop'));
    await symlink('nowhere', join(root, 'dangling'));
    const fs = new FileServer(root);
    const m = await fs.manifest();
    assert.deepEqual(Object.keys(m.files).sort(), ['alias.txt', 'dir/x.txt', 'dirlink/x.txt', 'real.txt']);
    assert.equal(await fs.read(sha('outside\n')), undefined);
    assert.equal(await fs.read(sha('o\n')), undefined);
    assert.equal((await fs.read(m.files['alias.txt']))?.toString(), 'inside\n');
  });
});

test('dot-files and dot-directories are skipped', async () => {
  await withTree({ '.git/config': 'x', '.hidden.sls': 'y', 'a/.env': 'z', 'a/b.sls': 'b\n' }, async (root) => {
    const fs = new FileServer(root);
    assert.deepEqual(Object.keys((await fs.manifest()).files), ['a/b.sls']);
    assert.equal(await fs.read(sha('z')), undefined);
  });
});

test('a second manifest of 2,000 files re-hashes only the file whose size/mtime changed', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 2000; i++) files[`d${i % 40}/f${i}.sls`] = `v: ${i}\n`;
  await withTree(files, async (root) => {
    const same = join(root, 'd0/f0.sls');
    await utimes(same, 1_700_000_000, 1_700_000_000); // whole seconds, so it can be set back exactly
    const hashed: string[] = [];
    const fs = new FileServer(root, { hashFile: (p) => { hashed.push(p); return sha256File(p); } });
    const first = await fs.manifest();
    assert.equal(Object.keys(first.files).length, 2000);
    assert.equal(hashed.length, 2000);

    hashed.length = 0;
    assert.equal((await fs.manifest()).hash, first.hash);
    assert.equal(hashed.length, 0, 'nothing re-read when nothing changed');

    // same size and mtime: by contract not re-hashed, so the old hash stays
    await writeFile(same, 'v: X\n');
    await utimes(same, 1_700_000_000, 1_700_000_000);
    await writeFile(join(root, 'd1/f1.sls'), 'v: changed\n');
    const third = await fs.manifest();
    assert.equal(hashed.length, 1);
    assert.ok(hashed[0].endsWith('/d1/f1.sls'), hashed[0]);
    assert.equal(third.files['d0/f0.sls'], first.files['d0/f0.sls']);
    assert.equal(third.files['d1/f1.sls'], sha('v: changed\n'));
  });
});
