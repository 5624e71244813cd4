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
const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as FirmwareSettings;
const engine = createFirmwareEngine(settings, { power: new RecordingPowerDriver() });
const t0 = performance.now();
await engine.install(source, { reboot: false });
const ms = performance.now() - t0;
// VmHWM, not getrusage's maxRSS: Linux keeps ru_maxrss across fork+execve, so a big parent
// (the bench after its 5,000-agent fleet part) would be reported as this process's peak
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
const maxRssKb = hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS;
process.stdout.write(`${JSON.stringify({ ms, maxRssKb })}\n`);
