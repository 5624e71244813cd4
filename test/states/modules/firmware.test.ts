import { randomBytes } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeContext, tempDir } from '../../helpers/context.js';
import { engineFor, makeBox, makeBundle, simulateBoot } from '../../helpers/firmware.js';
import { firmwareModule } from '../../../states/modules/firmware.js';
import type { StateArgs } from '../../../states/types.js';

const updated = firmwareModule.functions.updated;
const args = (name: string, version: string, extra: Record<string, unknown> = {}) => ({ name, version, reboot: true, force: false, reboot_delay: 0, ...extra }) as StateArgs;

describe('firmware.updated', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  before(async () => { t = await tempDir('umec-fws-'); });
  after(async () => { await t.cleanup(); });

  it('predicts in test mode, installs from a umec:// file, reports in progress, then running after the trial commits', async () => {
    const box = await makeBox(join(t.dir, 'a'), { bootenv: 'file' });
    const bundle = await makeBundle(box, randomBytes(20_000), { version: '2.0.0' });
    const root = join(t.dir, 'a', 'tree');
    await mkdir(join(root, 'firmware'), { recursive: true });
    await copyFile(bundle, join(root, 'firmware', 'edge-2.0.0.umb'));
    const url = 'umec://firmware/edge-2.0.0.umb';
    const ctx = (test = false) => makeContext({ root, test, drivers: { firmware: engineFor(box) } });

    const predicted = await updated.run(args(url, '2.0.0'), ctx(true));
    assert.equal(predicted.result, null);
    assert.deepEqual(predicted.changes, { version: { old: 'unknown', new: '2.0.0' }, slot: 'B', reboot: true });
    assert.equal(box.power.calls.length, 0, 'test mode changes nothing');

    const done = await updated.run(args(url, '2.0.0'), ctx());
    assert.equal(done.result, true, done.comment);
    assert.match(done.comment, /Firmware 2\.0\.0 written to slot B; rebooting into it/);
    assert.equal(box.power.calls.length, 1);

    const again = await updated.run(args(url, '2.0.0'), ctx());
    assert.equal(again.result, null);
    assert.match(again.comment, /is rebooting \(slot B\)/);

    await simulateBoot(box);
    await engineFor(box).resume();
    const steady = await updated.run(args(url, '2.0.0'), ctx());
    assert.deepEqual([steady.result, steady.changes], [true, {}]);
    assert.match(steady.comment, /Firmware 2\.0\.0 is running \(slot B\)/);
  });

  it('a version that was rolled back is not retried without force; a box without firmware fails clearly', async () => {
    const box = await makeBox(join(t.dir, 'b'), { bootenv: 'file', health: { commands: ['false'], master_within: 0 } });
    const bundle = await makeBundle(box, randomBytes(1000), { version: '3.1' });
    const ctx = makeContext({ drivers: { firmware: engineFor(box) } });
    assert.equal((await updated.run(args(bundle, '3.1'), ctx)).result, true);
    await simulateBoot(box);
    assert.equal((await engineFor(box).resume()).phase, 'rolled-back');
    await simulateBoot(box);
    const r = await updated.run(args(bundle, '3.1'), ctx);
    assert.equal(r.result, false);
    assert.match(r.comment, /Firmware 3\.1 was rolled back on this box \(health check failed: command "false" exited 1\); set force: True/);
    const forced = await updated.run(args(bundle, '3.1', { force: true }), makeContext({ test: true, drivers: { firmware: engineFor(box) } }));
    assert.equal(forced.result, null);

    const none = await updated.run(args(bundle, '3.1'), makeContext());
    assert.equal(none.result, false);
    assert.match(none.comment, /no firmware: section/);
  });

  it('the bundle holds another version than the state asks for: fails and says how to undo', async () => {
    const box = await makeBox(join(t.dir, 'c'), { bootenv: 'file' });
    const bundle = await makeBundle(box, randomBytes(1000), { version: '4.0' });
    const r = await updated.run(args(bundle, '5.0', { reboot: false }), makeContext({ drivers: { firmware: engineFor(box) } }));
    assert.equal(r.result, false);
    assert.match(r.comment, /holds version 4\.0, not 5\.0/);
  });
});
