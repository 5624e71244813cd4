import type { PowerDriver } from '../firmware/types.js';
import type { Logger } from '../lib/log.js';
import type { Drivers } from '../states/types.js';
import type { AgentConfig } from './config.js';

/**
 * The box's firmware engine, when agent.yaml has a firmware: section, with the
 * agent's view of "reached the master" for the health check. Starts resume()
 * (finishing a trial boot: health checks, then commit or rollback) without
 * holding up the agent's start.
 */
export async function startFirmware(config: AgentConfig, o: { drivers: Drivers; grains: Record<string, unknown>; log: Logger; ready: Promise<void>; power?: PowerDriver }) {
  if (!config.firmware) return undefined;
  const { createFirmwareEngine, createPowerDriver } = await import('../firmware/index.js');
  const log = o.log.child({ area: 'firmware' });
  const engine = createFirmwareEngine(config.firmware, {
    power: o.power ?? createPowerDriver(config.power, o.drivers.exec), exec: o.drivers.exec, services: o.drivers.service, grains: o.grains, log,
    masterConnected: (withinMs) => new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), withinMs);
      void o.ready.then(() => { clearTimeout(t); resolve(true); });
    }),
  });
  void engine.resume().then(
    (s) => log.info({ phase: s.phase, booted: s.booted, version: s.slots.find((x) => x.booted)?.version }, 'firmware state'),
    (e: unknown) => log.error({ err: e }, 'firmware resume failed'),
  );
  return engine;
}
