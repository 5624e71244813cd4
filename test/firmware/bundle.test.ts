import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { access, open, readFile, truncate, writeFile } from 'node:fs/promises';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../helpers/context.js';
import { engineFor, makeBox, makeBundle, simulateBoot, type Box } from '../helpers/firmware.js';
import { createBundle, inspectBundleFile } from '../../firmware/bundle.js';
import { generateSigningKey, loadKeyring } from '../../firmware/keys.js';
import { UmecError } from '../../lib/errors.js';

const exists = (p: string) => access(p).then(() => true, () => false);

/** Refused with `code` and `pattern`, journal says failed, slot B never created, the box still boots A. */
async function refused(box: Box, bundle: string, code: string, pattern: RegExp): Promise<void> {
  const engine = engineFor(box);
  await assert.rejects(engine.install(bundle), (e: UmecError) => {
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
  assert.equal(await exists(box.settings.slots.B.device), false, 'not a byte reached slot B');
  const s = await engine.status();
  assert.equal(s.phase, 'failed');
  assert.match(s.update!.message!, pattern);
  assert.equal(s.slots[1].state, 'unknown');
  assert.equal(box.power.calls.length, 0);
  assert.equal(await simulateBoot(box), 'A');
}

describe('firmware bundles: refused before a byte reaches a slot', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let n = 0;
  const box = () => makeBox(join(t.dir, `b${n++}`), { bootenv: 'file' });
  before(async () => { t = await tempDir('umec-fwb-'); });
  after(async () => { await t.cleanup(); });

  it('a signed bundle verifies; create/sign keep manifest, signature, images in order', async () => {
    const b = await box();
    const img = randomBytes(70_000);
    const file = await makeBundle(b, img, { version: '1.2.3' });
    const r = await inspectBundleFile(file, { keyring: await loadKeyring(b.settings.keyring) });
    assert.equal(r.manifest.version, '1.2.3');
    assert.equal(r.images.length, 1);
    assert.deepEqual((await readFile(file)).subarray(r.images[0].offset, r.images[0].offset + img.length), img);
  });

  it('unsigned', async () => {
    const b = await box();
    await refused(b, await makeBundle(b, randomBytes(1000), { sign: false }), 'FW_SIGNATURE', /is not signed/);
  });

  it('signed with a key outside the keyring', async () => {
    const b = await box();
    const stranger = await generateSigningKey(join(b.dir, 'stranger'));
    await refused(b, await makeBundle(b, randomBytes(1000), { key: stranger.key }), 'FW_SIGNATURE', new RegExp(`signed with key ${stranger.id}, which is not in the keyring`));
  });

  it('manifest changed after signing (version bumped in place)', async () => {
    const b = await box();
    const file = await makeBundle(b, randomBytes(1000), { version: '2.0.0' });
    const buf = await readFile(file);
    const at = buf.indexOf('version: 2.0.0');
    buf.write('version: 9.0.0', at);
    await writeFile(file, buf);
    await refused(b, file, 'FW_SIGNATURE', /bad signature: the manifest was changed after signing/);
  });

  it('image tampered after signing', async () => {
    const b = await box();
    const file = await makeBundle(b, randomBytes(100_000));
    const fh = await open(file, 'r+');
    await fh.write(Buffer.from([0x42]), 0, 1, 50_000);
    await fh.close();
    await refused(b, file, 'FW_BUNDLE', /image bundle-2\.0\.0\.img does not match its sha256/);
  });

  it('truncated file', async () => {
    const b = await box();
    const file = await makeBundle(b, randomBytes(100_000));
    await truncate(file, 60_000);
    await refused(b, file, 'FW_BUNDLE', /truncated: 60000 bytes, the manifest needs at least 102912/);
  });

  it('made for another board, or for grains this box lacks', async () => {
    const b = await box();
    await refused(b, await makeBundle(b, randomBytes(1000), { compatible: 'other-board' }), 'FW_INCOMPATIBLE', /made for "other-board", this box is "umec-test-board"/);
    const m = join(b.dir, 'g.yaml');
    await writeFile(join(b.dir, 'g.img'), randomBytes(10));
    await writeFile(m, 'compatible: umec-test-board\nversion: "1"\ngrains:\n  hwrev: [3, 4]\nimages:\n  - {slot: rootfs, file: g.img}\n');
    const file = join(b.dir, 'g.umb');
    await createBundle(m, file);
    const { signBundle } = await import('../../firmware/bundle.js');
    const { loadSigningKey } = await import('../../firmware/keys.js');
    const { createPublicKey } = await import('node:crypto');
    const k = await loadSigningKey(b.keyFile);
    await signBundle(file, k, createPublicKey(k));
    const engine = engineFor(b, { grains: { hwrev: 2 } });
    await assert.rejects(engine.install(file), /needs grain hwrev=\[3,4\], this box has 2/);
    assert.equal(await exists(b.settings.slots.B.device), false);
  });

  it('an image for a slot class the box does not have', async () => {
    const b = await box();
    await writeFile(join(b.dir, 'k.img'), randomBytes(10));
    const m = join(b.dir, 'k.yaml');
    await writeFile(m, 'compatible: umec-test-board\nversion: "1"\nimages:\n  - {slot: kernel, file: k.img}\n');
    const file = join(b.dir, 'k.umb');
    await createBundle(m, file);
    const { signBundle } = await import('../../firmware/bundle.js');
    const { loadSigningKey } = await import('../../firmware/keys.js');
    const { createPublicKey } = await import('node:crypto');
    const k = await loadSigningKey(b.keyFile);
    await signBundle(file, k, createPublicKey(k));
    await refused(b, file, 'FW_INCOMPATIBLE', /image k\.img is for slot class kernel, this box has rootfs/);
  });

  it('bad manifests name the file, line and field', async () => {
    const b = await box();
    const m = join(b.dir, 'bad.yaml');
    await writeFile(m, 'compatible: umec-test-board\nversion: "1 0"\nimages:\n  - slot: rootfs\n    file: x.img\n    colour: red\n');
    await assert.rejects(createBundle(m, join(b.dir, 'bad.umb')), (e: UmecError) => {
      assert.equal(e.code, 'FW_BUNDLE');
      assert.match(e.message, /bad\.yaml:2: version must match pattern/);
      assert.match(e.message, /bad\.yaml:6: images\.0\.colour unknown key/);
      return true;
    });
    await writeFile(m, 'compatible: umec-test-board\nversion: "1"\nimages:\n  - {slot: rootfs, file: missing.img}\n');
    await assert.rejects(createBundle(m, join(b.dir, 'bad.umb')), /images\.0\.file: cannot read .*missing\.img/);
    await assert.rejects(inspectBundleFile(m, { keyring: await loadKeyring(b.settings.keyring) }), /not a valid bundle archive|truncated or not a bundle/);
  });

  it('keyring with a non-ed25519 key is an error naming the file', async () => {
    const b = await box();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await writeFile(join(b.settings.keyring, 'rsa.pub'), rsa.publicKey.export({ type: 'spki', format: 'pem' }));
    await assert.rejects(loadKeyring(b.settings.keyring), /rsa\.pub: is a rsa key; ed25519 is required/);
  });
});
