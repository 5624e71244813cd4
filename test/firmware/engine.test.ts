import { randomBytes } from 'node:crypto';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../helpers/context.js';
import { engineFor, makeBox, makeBundle, simulateBoot, slotBytes } from '../helpers/firmware.js';
import { UmecError } from '../../lib/errors.js';

describe('firmware engine: A/B cycle on file slots with a real U-Boot env (fw_setenv)', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  before(async () => { t = await tempDir('umec-fw-'); });
  after(async () => { await t.cleanup(); });

  it('installs into the inactive slot, reboots, health-checks and commits; the next update goes back to A', async () => {
    const box = await makeBox(join(t.dir, 'ok'));
    const engine = engineFor(box);
    const img = randomBytes(300_000);
    const bundle = await makeBundle(box, img, { version: '2.0.0' });
    const phases: string[] = [];
    const r = await engine.install(bundle, { onProgress: (p) => { if (phases.at(-1) !== p.phase) phases.push(p.phase); } });
    assert.deepEqual({ target: r.target, version: r.version, phase: r.phase }, { target: 'B', version: '2.0.0', phase: 'rebooting' });
    assert.deepEqual(phases, ['verifying', 'writing', 'rebooting']);
    assert.deepEqual(box.power.calls.map((c) => c.kind), ['GracefulRestart']);
    assert.deepEqual(await slotBytes(box, 'B'), img);
    let s = await engine.status();
    assert.equal(s.phase, 'rebooting');
    assert.deepEqual(s.slots.map((x) => [x.name, x.state, x.booted, x.next]), [['A', 'good', true, false], ['B', 'unknown', false, true]]);
    await assert.rejects(engine.install(bundle), (e: UmecError) => e.code === 'FW_BUSY' && /rebooting; commit or roll back first/.test(e.message));

    assert.equal(await simulateBoot(box), 'B');
    s = await engineFor(box).resume();
    assert.equal(s.phase, 'committed');
    assert.equal(s.booted, 'B');
    assert.deepEqual(s.slots.map((x) => [x.name, x.version, x.state, x.next]), [['A', undefined, 'good', false], ['B', '2.0.0', 'good', true]]);
    // the committed slot keeps booting and gets its counter back each boot
    assert.equal(await simulateBoot(box), 'B');
    await engineFor(box).resume();
    assert.equal(await simulateBoot(box), 'B');

    const img3 = randomBytes(200_000);
    const r3 = await engineFor(box).install(await makeBundle(box, img3, { version: '3.0.0' }));
    assert.equal(r3.target, 'A');
    assert.equal(await simulateBoot(box), 'A');
    s = await engineFor(box).resume();
    assert.equal(s.phase, 'committed');
    assert.deepEqual(s.slots.map((x) => [x.name, x.version, x.state]), [['A', '3.0.0', 'good'], ['B', '2.0.0', 'good']]);
    assert.deepEqual(await slotBytes(box, 'A'), img3);
  });

  it('health check failing: rolls back, reboots into the old slot and marks the new one bad', async () => {
    const box = await makeBox(join(t.dir, 'unhealthy'), { health: { commands: ['true', 'echo disk check failed >&2; exit 3'], master_within: 0 } });
    await engineFor(box).install(await makeBundle(box, randomBytes(10_000)));
    assert.equal(await simulateBoot(box), 'B');
    const s = await engineFor(box).resume();
    assert.equal(s.phase, 'rolled-back');
    assert.match(s.update!.message!, /health check failed: command "echo disk check failed >&2; exit 3" exited 3: disk check failed/);
    assert.equal(box.power.calls.length, 2);
    assert.equal(s.slots.find((x) => x.name === 'B')!.state, 'bad');
    assert.equal(s.slots.find((x) => x.name === 'A')!.next, true);
    assert.equal(await simulateBoot(box), 'A');
    const after = await engineFor(box).resume();
    assert.equal(after.phase, 'rolled-back');
    assert.equal(after.booted, 'A');
    assert.deepEqual(await slotBytes(box, 'A'), box.oldImage);
    assert.equal(box.power.calls.length, 2, 'no further reboot once back on the old slot');
  });

  it('agent never reaches the master: the injected predicate fails the health check', async () => {
    const box = await makeBox(join(t.dir, 'nomaster'), { health: { commands: [], master_within: 1 } });
    await engineFor(box).install(await makeBundle(box, randomBytes(1000)));
    await simulateBoot(box);
    let asked = 0;
    const s = await engineFor(box, { masterConnected: async (ms) => { asked = ms; return false; } }).resume();
    assert.equal(asked, 1000);
    assert.equal(s.phase, 'rolled-back');
    assert.match(s.update!.message!, /did not reach its master within 1 s/);
  });

  it('boot counter exhausted: the new slot never comes up to commit, the bootloader falls back, resume records it', async () => {
    const box = await makeBox(join(t.dir, 'exhausted'), { bootTries: 2 });
    await engineFor(box).install(await makeBundle(box, randomBytes(5000)));
    assert.equal(await simulateBoot(box), 'B'); // hangs before the agent starts
    assert.equal(await simulateBoot(box), 'B'); // and again
    assert.equal(await simulateBoot(box), 'A'); // counter at 0: back to A
    const s = await engineFor(box).resume();
    assert.equal(s.phase, 'rolled-back');
    assert.match(s.update!.message!, /slot B did not come up/);
    assert.equal(s.slots.find((x) => x.name === 'B')!.state, 'bad');
    assert.equal(await simulateBoot(box), 'A');
  });

  it('operator commit during the trial, operator rollback from a committed slot to the previous good one', async () => {
    const box = await makeBox(join(t.dir, 'operator'), { health: { commands: ['sleep 30'], master_within: 0 } });
    const engine = engineFor(box);
    await assert.rejects(engine.commit(), /nothing to commit: phase is idle/);
    await assert.rejects(engine.rollback(), /nothing to roll back/);
    await engine.install(await makeBundle(box, randomBytes(5000)));
    await simulateBoot(box);
    let s = await engineFor(box).commit();
    assert.equal(s.phase, 'committed');
    s = await engineFor(box).rollback();
    assert.equal(s.phase, 'rolled-back');
    assert.equal(s.slots.find((x) => x.name === 'B')!.state, 'good', 'a committed slot stays good');
    assert.equal(await simulateBoot(box), 'A');
  });

  it('rollback before the reboot disarms the new slot without a reset', async () => {
    const box = await makeBox(join(t.dir, 'disarm'));
    const engine = engineFor(box);
    await engine.install(await makeBundle(box, randomBytes(5000)), { reboot: false });
    assert.equal(box.power.calls.length, 0);
    assert.equal((await engine.status()).slots[1].next, true);
    const s = await engine.rollback();
    assert.equal(s.phase, 'rolled-back');
    assert.equal(box.power.calls.length, 0);
    assert.equal(await simulateBoot(box), 'A');
  });

  it('a second install while one runs is refused at once', async () => {
    const box = await makeBox(join(t.dir, 'second'));
    const engine = engineFor(box);
    const b = await makeBundle(box, randomBytes(2_000_000));
    const first = engine.install(b, { reboot: false });
    await assert.rejects(engine.install(b), (e: UmecError) => e.code === 'FW_BUSY');
    await first;
  });

  it('disk full: the slot device returns ENOSPC (/dev/full), the update fails, the box keeps booting A', async () => {
    const box = await makeBox(join(t.dir, 'full'), { slotB: '/dev/full' });
    const engine = engineFor(box);
    await assert.rejects(engine.install(await makeBundle(box, randomBytes(100_000))), (e: UmecError) => e.code === 'FW_SLOT' && /slot B \(\/dev\/full\).*ENOSPC|no space/i.test(e.message));
    const s = await engine.status();
    assert.equal(s.phase, 'failed');
    assert.equal(s.slots.find((x) => x.name === 'B')!.state, 'bad');
    assert.equal(box.power.calls.length, 0);
    assert.equal(await simulateBoot(box), 'A');
  });

  it('grub-editenv and the plain file driver run the same cycle', async () => {
    for (const kind of ['grub', 'file'] as const) {
      const box = await makeBox(join(t.dir, kind), { bootenv: kind });
      await engineFor(box).install(await makeBundle(box, randomBytes(3000)));
      assert.equal(await simulateBoot(box), 'B');
      assert.equal((await engineFor(box).resume()).phase, 'committed');
      assert.equal(await simulateBoot(box), 'B');
    }
  });
});
