import { randomBytes } from 'node:crypto';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/context.js';
import { bundleServer } from '../helpers/bundle-server.js';
import { makeBox, makeBundle, slotBytes, type Box } from '../helpers/firmware.js';
import { installStrategy, type InstallContext, type InstallStrategy } from '../../firmware/install-sources.js';
import { loadKeyring } from '../../firmware/keys.js';
import { UmecError } from '../../lib/errors.js';

/** A context whose journal is a list of the phases the strategy entered. */
async function context(box: Box, source: string) {
  const entered: Array<[string, string | undefined]> = [];
  const phases: string[] = [];
  const c: InstallContext = {
    source, target: 'B', settings: box.settings, keyring: await loadKeyring(box.settings.keyring),
    check: () => undefined, log: { warn() {} },
    progress: (phase) => { if (phases.at(-1) !== phase) phases.push(phase); },
    enter: async (phase, version) => { entered.push([phase, version]); },
  };
  return { c, entered, phases };
}

describe('firmware install strategies: one per source, over the same journal steps', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  before(async () => { t = await tempDir('umec-fw-src-'); });
  after(async () => { await t.cleanup(); });

  it('selects by source and settings: a file is verified then written, a URL is staged first, and without verify_before_write both stream', async () => {
    const box = await makeBox(join(t.dir, 'select'));
    const streaming = await makeBox(join(t.dir, 'select-stream'), { streaming: true });
    const pick = (b: Box, s: string): Pick<InstallStrategy, 'name' | 'firstPhase' | 'staged'> => {
      const { name, firstPhase, staged } = installStrategy(s, b.settings, 'u1');
      return { name, firstPhase, staged };
    };
    assert.deepEqual(pick(box, '/srv/fw.umb'), { name: 'file', firstPhase: 'verifying', staged: undefined });
    assert.deepEqual(pick(box, 'HTTPS://fw.example/fw.umb'), { name: 'download', firstPhase: 'downloading', staged: join(box.settings.staging_dir, 'u1.umb') });
    assert.deepEqual(pick(streaming, '/srv/fw.umb'), { name: 'stream', firstPhase: 'verifying', staged: undefined });
    assert.deepEqual(pick(streaming, 'http://fw.example/fw.umb'), { name: 'stream', firstPhase: 'downloading', staged: undefined });
  });

  it('file: verifies, journals writing with the version, writes the slot', async () => {
    const box = await makeBox(join(t.dir, 'file'));
    const img = randomBytes(100_000);
    const bundle = await makeBundle(box, img, { version: '4.1.0' });
    const { c, entered, phases } = await context(box, bundle);
    const r = await installStrategy(bundle, box.settings, 'u2').install(c);
    assert.equal(r.manifest.version, '4.1.0');
    assert.deepEqual(entered, [['writing', '4.1.0']]);
    assert.deepEqual(phases, ['verifying', 'writing']);
    assert.deepEqual(await slotBytes(box, 'B'), img);
  });

  it('download: stages the bundle while verifying, journals verifying then writing, writes the slot', async () => {
    const box = await makeBox(join(t.dir, 'download'));
    const img = randomBytes(150_000);
    const bundle = await makeBundle(box, img, { version: '5.0.0' });
    const srv = await bundleServer({ 'fw.umb': bundle });
    try {
      const s = installStrategy(srv.url('fw.umb'), box.settings, 'u3');
      const { c, entered, phases } = await context(box, srv.url('fw.umb'));
      await s.install(c);
      assert.deepEqual(entered, [['verifying', undefined], ['writing', '5.0.0']]);
      assert.deepEqual(phases, ['downloading', 'verifying', 'writing']);
      assert.deepEqual(await readFile(s.staged!), await readFile(bundle));
      assert.deepEqual(await slotBytes(box, 'B'), img);
    } finally { await srv.close(); }
  });

  it('stream: writes while reading, journals writing once before the first byte; a bad signature writes nothing', async () => {
    const box = await makeBox(join(t.dir, 'stream'), { streaming: true });
    const img = randomBytes(120_000);
    const bundle = await makeBundle(box, img, { version: '6.0.0' });
    const { c, entered } = await context(box, bundle);
    await installStrategy(bundle, box.settings, 'u4').install(c);
    assert.deepEqual(entered, [['writing', undefined]]);
    assert.deepEqual(await slotBytes(box, 'B'), img);

    const unsigned = await makeBundle(box, randomBytes(50_000), { name: 'unsigned', sign: false });
    const bad = await context(box, unsigned);
    await assert.rejects(installStrategy(unsigned, box.settings, 'u5').install(bad.c), (e: UmecError) => e.code === 'FW_SIGNATURE');
    assert.deepEqual(bad.entered, []);
    assert.deepEqual(await slotBytes(box, 'B'), img);
  });
});
