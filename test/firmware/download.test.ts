import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { tempDir } from '../helpers/context.js';
import { bundleServer } from '../helpers/bundle-server.js';
import { engineFor, makeBox, makeBundle, simulateBoot, slotBytes } from '../helpers/firmware.js';
import { httpChunks } from '../../firmware/download.js';
import { UmecError } from '../../lib/errors.js';
import { freePort } from '../helpers/net.js';

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

describe('firmware download over real HTTP on 127.0.0.1', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  before(async () => { t = await tempDir('umec-fwd-'); });
  after(async () => { await t.cleanup(); });

  it('a truncated download resumes with Range where the connection was cut, and installs', async () => {
    const box = await makeBox(join(t.dir, 'resume'));
    const img = randomBytes(1_500_000);
    const bundle = await makeBundle(box, img);
    const srv = await bundleServer({ [basename(bundle)]: bundle }, { cutAt: [300_000, 300_000, 300_000] });
    try {
      const retries: number[] = [];
      const r = await engineFor(box).install(srv.url(basename(bundle)), { onProgress: (p) => { if (p.message?.startsWith('retry')) retries.push(p.bytesDone); } });
      assert.equal(r.target, 'B');
      assert.deepEqual(await slotBytes(box, 'B'), img);
      assert.deepEqual(srv.log.statuses, [200, 206, 206, 206]);
      assert.equal(srv.log.ranges[0], undefined);
      // each retry starts where the bytes received so far end (a cut may lose what was in flight)
      const starts = srv.log.ranges.slice(1).map((r) => Number(/^bytes=(\d+)-$/.exec(r ?? '')?.[1]));
      assert.ok(starts.every((s, i) => s > (starts[i - 1] ?? 0) && s <= 300_000 * (i + 1)), `ranges ${srv.log.ranges.join(' ')}`);
      assert.equal(retries.length, 3);
      assert.deepEqual(await readdir(box.settings.staging_dir), [], 'staged download removed');
      assert.equal(await simulateBoot(box), 'B');
      assert.equal((await engineFor(box).resume()).phase, 'committed');
    } finally { await srv.close(); }
  });

  it('a server that ignores Range: the bytes already received are skipped', async () => {
    const dir = join(t.dir, 'norange');
    const box = await makeBox(dir);
    const bundle = await makeBundle(box, randomBytes(400_000));
    const srv = await bundleServer({ b: bundle }, { cutAt: [123_457], ignoreRange: true });
    try {
      const got = await collect(httpChunks(srv.url('b'), { retries: 2, timeout: 5, backoffMs: 10 }));
      const { readFile } = await import('node:fs/promises');
      assert.deepEqual(got, await readFile(bundle));
      assert.deepEqual(srv.log.statuses, [200, 200]);
    } finally { await srv.close(); }
  });

  it('gives up after the configured retries with the byte count, and the box keeps booting A', async () => {
    const box = await makeBox(join(t.dir, 'giveup'));
    const bundle = await makeBundle(box, randomBytes(800_000));
    const srv = await bundleServer({ b: bundle }, { cutAt: [100_000, 0, 0, 0, 0, 0, 0] });
    try {
      await assert.rejects(engineFor(box).install(srv.url('b')), (e: UmecError) => e.code === 'FW_DOWNLOAD' && /gave up after 5 attempts, [1-9]\d* bytes received/.test(e.message));
      assert.equal((await engineFor(box).status()).phase, 'failed');
      assert.equal(await simulateBoot(box), 'A');
    } finally { await srv.close(); }
  });

  it('HTTP 404 and a refused connection are clear errors', async () => {
    const srv = await bundleServer({});
    try {
      await assert.rejects(collect(httpChunks(srv.url('nope.umb'), { retries: 3, timeout: 5, backoffMs: 10 })), /cannot download http:\/\/127\.0\.0\.1:\d+\/nope\.umb: HTTP 404/);
      assert.equal(srv.log.statuses.length, 1, '404 is not retried');
    } finally { await srv.close(); }
    const port = await freePort();
    await assert.rejects(collect(httpChunks(`http://127.0.0.1:${port}/x`, { retries: 1, timeout: 5, backoffMs: 10 })), /ECONNREFUSED.*gave up after 2 attempts/);
  });

  it('a bad signature over HTTP stops the download right after the manifest', async () => {
    const box = await makeBox(join(t.dir, 'early'));
    const bundle = await makeBundle(box, randomBytes(3_000_000), { sign: false });
    const srv = await bundleServer({ b: bundle });
    try {
      await assert.rejects(engineFor(box).install(srv.url('b')), /is not signed/);
      const { access } = await import('node:fs/promises');
      assert.equal(await access(box.settings.slots.B.device).then(() => true, () => false), false);
    } finally { await srv.close(); }
  });
});
