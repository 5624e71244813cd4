import { randomBytes } from 'node:crypto';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { FirmwareService } from '../../agent/local-services.js';
import { createLogger } from '../../lib/log.js';
import { linuxDrivers } from '../../states/drivers/linux.js';
import { tempDir } from '../helpers/context.js';
import { engineFor, makeBox, makeBundle, simulateBoot } from '../helpers/firmware.js';

const log = createLogger({ name: 'test', level: 'silent' });

describe('agent FirmwareService: the engine from agent.yaml firmware:, resumed with the agent\'s "reached the master"', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  before(async () => { t = await tempDir('umec-fw-svc-'); });
  after(async () => { await t.cleanup(); });

  it('a trial boot is committed once the agent reached its master, and the engine becomes the drivers\' firmware port', async () => {
    const box = await makeBox(join(t.dir, 'trial'), { health: { commands: ['true'], master_within: 30 } });
    await engineFor(box).install(await makeBundle(box, randomBytes(20_000), { version: '7.0.0' }));
    assert.equal(await simulateBoot(box), 'B');
    let reached!: () => void;
    const ready = new Promise<void>((r) => { reached = r; });
    const drivers = linuxDrivers();
    const svc = new FirmwareService(box.settings, { drivers, grains: () => ({}), log, ready, power: () => box.power });
    await svc.start();
    assert.ok(svc.engine);
    assert.equal(drivers.firmware, svc.engine);
    // the health check waits for the master: it stays there until the agent is ready
    for (let i = 0; i < 100 && (await svc.engine.status()).phase !== 'health-checking'; i++) await delay(100);
    await delay(300);
    assert.equal((await svc.engine.status()).phase, 'health-checking');
    reached();
    for (let i = 0; i < 100 && (await svc.engine.status()).phase !== 'committed'; i++) await delay(100);
    const s = await svc.engine.status();
    assert.equal(s.phase, 'committed');
    assert.equal(s.slots.find((x) => x.name === 'B')?.version, '7.0.0');
    await svc.stop();
  });

  it('drivers that bring a firmware port keep it; without firmware: there is no engine', async () => {
    const box = await makeBox(join(t.dir, 'given'));
    const given = engineFor(box);
    const drivers = { ...linuxDrivers(), firmware: given };
    const svc = new FirmwareService(box.settings, { drivers, grains: () => ({}), log, ready: Promise.resolve(), power: () => box.power, given });
    await svc.start();
    assert.equal(svc.engine, given);
    assert.equal(drivers.firmware, given);

    const none = new FirmwareService(undefined, { drivers: linuxDrivers(), grains: () => ({}), log, ready: Promise.resolve(), power: () => box.power });
    await none.start();
    assert.equal(none.engine, undefined);
  });
});
