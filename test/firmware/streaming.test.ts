import { randomBytes } from 'node:crypto';
import { access, open, readFile } from 'node:fs/promises';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { tempDir } from '../helpers/context.js';
import { bundleServer } from '../helpers/bundle-server.js';
import { engineFor, makeBox, makeBundle, simulateBoot, slotBytes } from '../helpers/firmware.js';
import { UmecError } from '../../lib/errors.js';

const exists = (p: string) => access(p).then(() => true, () => false);

describe('firmware single-pass install (verify_before_write: false): images stream onto the slot as they are hashed', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let n = 0;
  const box = () => makeBox(join(t.dir, `s${n++}`), { streaming: true });
  before(async () => { t = await tempDir('umec-fwstream-'); });
  after(async () => { await t.cleanup(); });

  it('from a local bundle and over HTTP with cut connections: same result as the two-pass install, nothing staged', async () => {
    const b = await box();
    const img = randomBytes(9 << 20);
    const bundle = await makeBundle(b, img);
    const phases: string[] = [];
    await engineFor(b).install(bundle, { reboot: false, onProgress: (p) => { if (phases.at(-1) !== p.phase) phases.push(p.phase); } });
    assert.deepEqual(phases, ['writing', 'rebooting']);
    assert.ok((await slotBytes(b, 'B')).equals(img));
    await engineFor(b).rollback();

    const b2 = await box();
    const bundle2 = await makeBundle(b2, img);
    const srv = await bundleServer({ [basename(bundle2)]: bundle2 }, { cutAt: [2_000_000, 3_000_000] });
    try {
      const r = await engineFor(b2).install(srv.url(basename(bundle2)));
      assert.equal(r.target, 'B');
      assert.ok((await slotBytes(b2, 'B')).equals(img));
      assert.equal(await exists(b2.settings.staging_dir), false, 'no staging space used');
      assert.equal(await simulateBoot(b2), 'B');
      assert.equal((await engineFor(b2).resume()).phase, 'committed');
    } finally { await srv.close(); }
  });

  it('unsigned, incompatible and short bundles are still refused before a byte reaches the slot', async () => {
    const b = await box();
    await assert.rejects(engineFor(b).install(await makeBundle(b, randomBytes(1000), { sign: false })), /is not signed/);
    await assert.rejects(engineFor(b).install(await makeBundle(b, randomBytes(1000), { compatible: 'x', name: 'c' })), /does not fit this box/);
    const short = await makeBundle(b, randomBytes(100_000), { name: 'short' });
    const fh = await open(short, 'r+');
    await fh.truncate(50_000);
    await fh.close();
    await assert.rejects(engineFor(b).install(short), /truncated: 50000 bytes/);
    assert.equal(await exists(b.settings.slots.B.device), false);
    assert.equal(await simulateBoot(b), 'A');
  });

  it('a tampered image is found at its end: the slot is marked bad and never armed', async () => {
    const b = await box();
    const bundle = await makeBundle(b, randomBytes(3 << 20));
    const buf = await readFile(bundle);
    const fh = await open(bundle, 'r+');
    await fh.write(Buffer.from([buf[2_000_000] ^ 0xff]), 0, 1, 2_000_000);
    await fh.close();
    await assert.rejects(engineFor(b).install(bundle), (e: UmecError) => e.code === 'FW_BUNDLE' && /does not match its sha256/.test(e.message));
    const s = await engineFor(b).status();
    assert.equal(s.phase, 'failed');
    assert.equal(s.slots[1].state, 'bad');
    assert.equal(s.slots[0].next, true);
    assert.equal(b.power.calls.length, 0);
    assert.equal(await simulateBoot(b), 'A');
  });

  it('disk full while streaming (/dev/full) fails the update and keeps A', async () => {
    const b = await makeBox(join(t.dir, 'full'), { streaming: true, slotB: '/dev/full' });
    await assert.rejects(engineFor(b).install(await makeBundle(b, randomBytes(200_000))), (e: UmecError) => e.code === 'FW_SLOT' && /ENOSPC|no space/i.test(e.message));
    assert.equal((await engineFor(b).status()).slots[1].state, 'bad');
    assert.equal(await simulateBoot(b), 'A');
  });
});
