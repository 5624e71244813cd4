/**
 * The firmware engine's entry point: build an engine from validated settings
 * (agent.yaml `firmware:`) and the box's drivers.
 */
import { ProcessRunner } from '../lib/exec.js';
import { createBootEnv } from './bootenv/index.js';
import { BootControl } from './boot-control.js';
import type { FirmwareSettings } from './config.js';
import { AbFirmwareEngine, type FirmwareDeps } from './engine.js';
import type { PowerDriver } from './types.js';

export type { FirmwareSettings } from './config.js';
export { firmwareSettings, firmwareSettingsSchema } from './config.js';
export { createPowerDriver, RecordingPowerDriver, SystemdPowerDriver, powerSettingsSchema, type PowerSettings } from './power.js';
export type { EngineHooks, FirmwareDeps } from './engine.js';
export { AbFirmwareEngine } from './engine.js';
export type * from './types.js';

export type FirmwareEngineDeps = Omit<FirmwareDeps, 'exec'> & { exec?: FirmwareDeps['exec']; power: PowerDriver };

/** The engine for this box. resume() is to be called once at agent start (it finishes a trial boot). */
export function createFirmwareEngine(settings: FirmwareSettings, deps: FirmwareEngineDeps): AbFirmwareEngine {
  const exec = deps.exec ?? new ProcessRunner();
  const env = createBootEnv(settings.bootenv, exec, settings.journal_dir);
  return new AbFirmwareEngine(settings, new BootControl(env, settings.good_tries), {
    ...deps, exec,
  });
}
