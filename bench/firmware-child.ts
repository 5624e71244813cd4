/**
 * One firmware install in its own process, for the benchmark's RSS figure:
 *   node firmware-child.js <settings.json> <source>
 * prints {"ms": install time, "maxRssKb": peak RSS of this process}.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createFirmwareEngine, RecordingPowerDriver } from '../firmware/index.js';
import type { FirmwareSettings } from '../firmware/config.js';

const [, , settingsFile, source] = process.argv;
const settings = JSON.parse(readFileSync(settingsFile!, 'utf8')) as FirmwareSettings;
const engine = createFirmwareEngine(settings, { power: new RecordingPowerDriver() });
const t0 = performance.now();
await engine.install(source!, { reboot: false });
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS })}\n`);
