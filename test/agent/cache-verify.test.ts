import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { writeCamPackage } from '../helpers/app-package.js';
import { startMaster } from '../helpers/fleet.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

test('a tampered blob in the agent cache is never deployed: it is dropped, fetched again and reported to the master', { timeout: 60_000 }, async () => {
  const f = await startMaster({
    states: {
      'conf.sls': 'deployed:\n  file.managed:\n    - name: @OUT@/app.conf\n    - source: salt://files/app.conf\n',
      'files/app.conf': 'listen 8080\n',
    },
  });
  try {
    await f.startAccepted({ box1: { os: 'Debian' } });
    const apply = async () => {
      const r = await f.runJob({ fun: 'apply', args: { sls: ['conf'] }, tgt: 'box1', tgt_type: 'list' });
      assert.equal(r.returns.get('box1')?.success, true, JSON.stringify(r.returns.get('box1')?.ret));
    };
    await apply();
    const target = join(f.out, 'app.conf');
    assert.equal(await readFile(target, 'utf8'), 'listen 8080\n');

    // another local process rewrites the cached blob (same length, other bytes) and the deployed file
    const blob = join(f.agentDir('box1'), 'cache', 'files', sha('listen 8080\n'));
    await writeFile(blob, 'listen 6666\n');
    await writeFile(target, 'changed by hand\n');
    const from = f.events.length;
    await apply();
    assert.equal(await readFile(target, 'utf8'), 'listen 8080\n', 'the master\'s bytes are deployed, not the tampered cache');
    assert.equal(await readFile(blob, 'utf8'), 'listen 8080\n', 'the cache entry was fetched again');
    const ev = await f.waitEvent((e) => e.tag === 'umec/agent/box1/cache/corrupt', 'the corrupt-cache event');
    assert.ok(f.events.indexOf(ev) >= from);
    assert.equal(ev.data.path, blob);
    assert.equal(ev.data.expected, sha('listen 8080\n'));
    assert.equal(ev.data.actual, sha('listen 6666\n'));
    assert.equal(ev.data.id, 'box1');
  } finally { await f.stopAll(); }
});

test('an app image blob that no longer matches its hash is fetched again before use', { timeout: 60_000 }, async () => {
  const f = await startMaster({ states: { 'top.sls': "base:\n  '*': []\n" } });
  try {
    await f.startAccepted({ box1: { os: 'Debian' } });
    const pkg = await writeCamPackage(f.root);
    const tar = join(pkg, 'images', 'detector.tar');
    const original = await readFile(tar);
    await f.master.core.apps.onboard(pkg);
    const agent = f.agents.get('box1')!;
    const read = async () => {
      const p = await agent.apps.get('cam', '1.0');
      const src = p.image('images/detector.tar');
      assert.equal(src.kind, 'archive');
      return buffer(await src.open());
    };
    assert.equal(sha(await read()), sha(original));
    const blob = join(f.agentDir('box1'), 'cache', 'files', sha(original));
    const bad = Buffer.from(original);
    bad[bad.length - 1] ^= 0xff;
    await writeFile(blob, bad);
    assert.equal(sha(await read()), sha(original), 'the tampered blob was replaced before it was read');
    const ev = await f.waitEvent((e) => e.tag === 'umec/agent/box1/cache/corrupt', 'the corrupt-cache event');
    assert.equal(ev.data.actual, sha(bad));
  } finally { await f.stopAll(); }
});

test('the master does not serve an app package file whose bytes changed after it was on-boarded', { timeout: 60_000 }, async () => {
  const f = await startMaster({ states: { 'top.sls': "base:\n  '*': []\n" } });
  try {
    await f.startAccepted({ box1: { os: 'Debian' } });
    const pkg = await writeCamPackage(f.root);
    await f.master.core.apps.onboard(pkg);
    const stored = join(f.masterConfig.data_dir, 'apps', 'cam', '1.0', 'images', 'detector.tar');
    const bytes = await readFile(stored);
    bytes[0] ^= 0xff;
    await writeFile(stored, bytes);
    const p = await f.agents.get('box1')!.apps.get('cam', '1.0');
    const src = p.image('images/detector.tar');
    assert.equal(src.kind, 'archive');
    await assert.rejects(async () => buffer(await src.open()), /the master does not have it/);
    const ev = await f.waitEvent((e) => e.tag === 'umec/master/apps/corrupt', 'the master\'s corrupt-store event');
    assert.equal(ev.data.path, stored);
    assert.equal(ev.data.actual, sha(bytes));
  } finally { await f.stopAll(); }
});
