import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestHash } from '../../lib/manifest.js';
import { TreeCache, type Manifest } from '../../states/tree-cache.js';
import { tempDir } from '../helpers/context.js';

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const FILES: Record<string, string> = { 'top.sls': 'base: {}\n', 'files/app.conf': 'legit\n' };
const manifest = (): Manifest => {
  const files = Object.fromEntries(Object.entries(FILES).map(([p, c]) => [p, sha(c)]));
  return { hash: manifestHash(files), files };
};
const byHash = new Map(Object.values(FILES).map((c) => [sha(c), Buffer.from(c)]));

/** materialize with a fetcher that serves the real content and records what it was asked. */
async function materialize(cache: TreeCache, asked: string[] = []): Promise<string> {
  return cache.materialize(manifest(), async (hashes, put) => {
    for (const h of hashes) { asked.push(h); await put(h, byHash.get(h)!); }
  });
}

test('a blob changed in place is re-hashed, fetched again and the tree rebuilt from the good bytes', async (t) => {
  const { dir, cleanup } = await tempDir('umec-tree-cache-');
  t.after(cleanup);
  const cache = new TreeCache(dir);
  const tree = await materialize(cache);
  assert.equal(readFileSync(join(tree, 'files/app.conf'), 'utf8'), 'legit\n');
  // the tree file and the blob are one inode: writing one changes both
  writeFileSync(join(dir, 'files', sha('legit\n')), 'planted\n');
  const asked: string[] = [];
  const again = await materialize(new TreeCache(dir), asked);
  assert.deepEqual(asked, [sha('legit\n')]);
  assert.equal(readFileSync(join(again, 'files/app.conf'), 'utf8'), 'legit\n');
});

test('a complete tree whose file was swapped is rebuilt; one swapped for a symlink too', async (t) => {
  const { dir, cleanup } = await tempDir('umec-tree-cache-');
  t.after(cleanup);
  const tree = await materialize(new TreeCache(dir));
  rmSync(join(tree, 'files/app.conf'));
  writeFileSync(join(tree, 'files/app.conf'), 'planted\n');
  assert.equal(readFileSync(join(await materialize(new TreeCache(dir)), 'files/app.conf'), 'utf8'), 'legit\n');
  rmSync(join(tree, 'files/app.conf'));
  writeFileSync(join(dir, 'elsewhere'), 'legit\n');
  symlinkSync(join(dir, 'elsewhere'), join(tree, 'files/app.conf'));
  const rebuilt = await materialize(new TreeCache(dir));
  assert.equal(readFileSync(join(rebuilt, 'files/app.conf'), 'utf8'), 'legit\n');
});

test('a blob that is a symlink to the right content is not trusted either', async (t) => {
  const { dir, cleanup } = await tempDir('umec-tree-cache-');
  t.after(cleanup);
  mkdirSync(join(dir, 'files'), { mode: 0o700 });
  writeFileSync(join(dir, 'bait'), 'legit\n');
  symlinkSync(join(dir, 'bait'), join(dir, 'files', sha('legit\n')));
  const asked: string[] = [];
  await materialize(new TreeCache(dir), asked);
  assert.ok(asked.includes(sha('legit\n')));
});

test('files/ or trees/ owned by another uid, or open to others, is refused by name', async (t) => {
  const { dir, cleanup } = await tempDir('umec-tree-cache-');
  t.after(cleanup);
  mkdirSync(join(dir, 'files'), { mode: 0o700 });
  mkdirSync(join(dir, 'trees'), { mode: 0o700 });
  chmodSync(join(dir, 'trees'), 0o777);
  await assert.rejects(materialize(new TreeCache(dir)), (e: Error) => e.message === `${join(dir, 'trees')} is writable by group or others (mode 0777)`);
  chmodSync(join(dir, 'trees'), 0o700);
  if (process.getuid?.() === 0) {
    chownSync(join(dir, 'files'), 4242, 4242);
    await assert.rejects(materialize(new TreeCache(dir)), (e: Error) => e.message === `${join(dir, 'files')} is owned by uid 4242, not by root`);
    // a uid the caller names as trusted (the login user of a roster run) is accepted
    assert.ok(await materialize(new TreeCache(dir, { owners: [4242] })));
  }
});

test('a manifest hash that is no sha256 is refused (it names a directory)', async (t) => {
  const { dir, cleanup } = await tempDir('umec-tree-cache-');
  t.after(cleanup);
  await assert.rejects(new TreeCache(dir).materialize({ hash: '../../etc', files: {} }, async () => {}), /bad manifest hash: \.\.\/\.\.\/etc/);
});
