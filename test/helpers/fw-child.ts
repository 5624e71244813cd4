/**
 * An installer process for the fault-injection tests:
 *   node fw-child.js <box.json> install <source> | resume
 * STOP_PHASE=<phase> makes it stop (and wait to be killed -9) right after the
 * journal says <phase>. It prints STOPPED <what> or DONE <json>.
 */
import { readFileSync } from 'node:fs';
import { createFirmwareEngine } from '../../firmware/index.js';
import { RecordingPowerDriver } from '../../firmware/power.js';
import type { FirmwareSettings } from '../../firmware/config.js';

const [, , boxFile, op, source] = process.argv;
const box = JSON.parse(readFileSync(boxFile, 'utf8')) as { settings: FirmwareSettings; powerLog: string };
const stopPhase = process.env.STOP_PHASE;

const stop = async (what: string): Promise<never> => {
  process.stdout.write(`STOPPED ${what}\n`);
  return new Promise<never>(() => { setInterval(() => undefined, 1000); });
};

const engine = createFirmwareEngine(box.settings, {
  power: new RecordingPowerDriver(box.powerLog),
  hooks: { afterJournal: async (phase) => { if (phase === stopPhase) await stop(phase); } },
});

try {
  const r = op === 'install' ? await engine.install(source) : await engine.resume();
  process.stdout.write(`DONE ${JSON.stringify(r)}\n`);
} catch (e) {
  process.stdout.write(`DONE ${JSON.stringify({ error: (e as Error).message })}\n`);
}
