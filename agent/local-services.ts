import type { AppIdentityProvider } from '../lib/app-identity.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/services.js';
import type { FirmwareSettings } from '../firmware/config.js';
import type { FirmwareEngine, PowerDriver } from '../firmware/types.js';
import type { Drivers } from '../states/types.js';
import type { AgentConfig } from './config.js';
import type { Mp1Server } from './mp1/server.js';
import type { RedfishServer } from './redfish/server.js';

/**
 * The box's Mp1 server (agent.yaml `mp1:`). Deployed apps get their identities from it, and the
 * master learns the box's services from the grains: a burst of registrations makes one change.
 */
export class Mp1Service implements Service {
  readonly name = 'Mp1 server';
  server?: Mp1Server;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly config: NonNullable<AgentConfig['mp1']>, private readonly dataDir: string, private readonly log: Logger,
    /** The services on the box changed (a summary for the grains). */
    private readonly onServices: (summary: unknown) => void) {}

  async start(): Promise<void> {
    // loaded only when configured: fastify and the ETSI schemas stay out of agents without Mp1
    const { Mp1Server } = await import('./mp1/server.js');
    const mp1 = await Mp1Server.open({ config: this.config, dataDir: this.dataDir, log: this.log.child({ area: 'mp1' }) });
    this.onServices(mp1.services.summary());
    mp1.services.onChange = () => {
      if (this.stopped) return;
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.onServices(mp1.services.summary());
      }, 200);
    };
    await mp1.listen();
    this.server = mp1;
    this.log.info({ endpoint: mp1.endpoint() }, 'Mp1 server listening');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.server?.close();
  }

  /** App identities from this server; it is started before any job runs. */
  identities(): AppIdentityProvider {
    const server = (): Mp1Server => {
      if (!this.server) throw new Error('the Mp1 server is not running');
      return this.server;
    };
    return {
      ensure: (id, meta) => server().ensure(id, meta),
      remove: (id) => server().remove(id),
      endpoint: () => server().endpoint(),
    };
  }
}

/** The Redfish service (agent.yaml `redfish:` enabled). */
export class RedfishService implements Service {
  readonly name = 'Redfish server';
  server?: RedfishServer;

  constructor(private readonly config: AgentConfig, private readonly log: Logger, private readonly firmware: () => FirmwareEngine | undefined,
    private readonly power: () => PowerDriver) {}

  async start(): Promise<void> {
    // loaded only when configured: fastify, TLS and systeminformation stay out of agents without Redfish
    const { startRedfishServer } = await import('./redfish/server.js');
    this.server = await startRedfishServer({ config: this.config.redfish!, dataDir: this.config.data_dir, systemId: this.config.id,
      log: this.log, firmware: this.firmware(), power: this.power() });
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }
}

/**
 * The firmware engine (agent.yaml `firmware:`), unless the drivers bring one: it becomes the
 * drivers' firmware port for the states. Its start runs resume() (finishing a trial boot: health
 * checks, then commit or rollback) without holding up the agent's; "reached the master" for the
 * health check is the agent's `ready`.
 */
export class FirmwareService implements Service {
  readonly name = 'firmware';
  engine?: FirmwareEngine;

  constructor(private readonly settings: FirmwareSettings | undefined,
    private readonly o: { drivers: Drivers; grains: () => Record<string, unknown>; log: Logger; ready: Promise<void>; power: () => PowerDriver; given?: FirmwareEngine }) {}

  async start(): Promise<void> {
    this.engine = this.o.given;
    if (!this.settings || this.o.drivers.firmware) return;
    // loaded only when configured
    const { createFirmwareEngine } = await import('../firmware/index.js');
    const log = this.o.log.child({ area: 'firmware' });
    const { drivers, ready } = this.o;
    const engine = createFirmwareEngine(this.settings, {
      power: this.o.power(), exec: drivers.exec, services: drivers.service, grains: this.o.grains(), log,
      masterConnected: (withinMs) => new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), withinMs);
        void ready.then(() => { clearTimeout(t); resolve(true); });
      }),
    });
    void engine.resume().then(
      (s) => log.info({ phase: s.phase, booted: s.booted, version: s.slots.find((x) => x.booted)?.version }, 'firmware state'),
      (e: unknown) => log.error({ err: e }, 'firmware resume failed'),
    );
    this.engine = engine;
    drivers.firmware = engine;
  }

  stop(): Promise<void> { return Promise.resolve(); }
}
