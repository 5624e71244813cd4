import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import { service, ServiceGroup, type Service } from '../lib/services.js';
import { Scheduler } from '../lib/scheduler.js';
import { createPowerDriver } from '../firmware/power.js';
import type { FirmwareEngine, PowerDriver } from '../firmware/types.js';
import { linuxDrivers } from '../states/drivers/linux.js';
import { cachedMachineGrains } from '../states/grains-cache.js';
import { TreeCache } from '../states/tree-cache.js';
import { VerifiedFiles, type CorruptFile } from '../lib/verified-files.js';
import type { Drivers } from '../states/types.js';
import type { MasterChannel } from './channel.js';
import type { Bootstrap } from './commission/bootstrap.js';
import { Commissioner } from './commission/commissioner.js';
import type { AgentConfig } from './config.js';
import { DockerRuntime } from './containers/docker-runtime.js';
import { FileAppIdentityProvider } from './containers/file-identity.js';
import { MasterAppPackages } from './containers/master-packages.js';
import { JobJournal } from './job-journal.js';
import { AgentJobs } from './jobs.js';
import { FirmwareService, Mp1Service, RedfishService } from './local-services.js';
import { MasterLink } from './master-link.js';
import type { Mp1Server } from './mp1/server.js';
import { Outbox } from './outbox.js';
import type { RedfishServer } from './redfish/server.js';

export interface AgentDaemonOptions {
  drivers?: Drivers;
  grains?: Record<string, unknown>;
  bootstrap?: Bootstrap;
  firmware?: FirmwareEngine;
  power?: PowerDriver;
}

/**
 * The agent daemon, a composition root. Its services start in order and stop in reverse: the
 * master link (key pair, channel, failover), firmware, the local HTTP services (Redfish, Mp1) and
 * the jobs with their outbox. Then, in the background: key acceptance (enrolment on first boot),
 * hello and the job subscription, the outbox of a previous run, the schedules, and commissioning.
 * Everything reconnects by itself after a master restart.
 */
export class AgentDaemon {
  private grains: Record<string, unknown> = {};
  private readonly drivers: Drivers;
  private readonly tree: TreeCache;
  private readonly link: MasterLink;
  private readonly jobs: AgentJobs;
  private readonly firmware: FirmwareService;
  private readonly mp1Service?: Mp1Service;
  private readonly redfishService?: RedfishService;
  private readonly services: ServiceGroup;
  private readonly scheduler?: Scheduler;
  private readonly commissioner?: Commissioner;
  private powerDriver?: PowerDriver;
  private running = false;
  /** App packages fetched from the master (bytesFetched for tests and benchmarks). */
  readonly apps: MasterAppPackages;
  /** Resolves when the key is accepted and the job subscription is up. */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  /** Resolves when commissioning is done (at once when there is none to do). */
  readonly commissioned: Promise<void>;
  private markCommissioned!: () => void;

  constructor(readonly config: AgentConfig, private readonly log: Logger, private readonly o: AgentDaemonOptions = {}) {
    const bootstrap = o.bootstrap;
    const onCorrupt = (f: CorruptFile) => this.reportCorrupt(f);
    this.tree = new TreeCache(join(config.data_dir, 'cache'), { onCorrupt });
    this.link = new MasterLink(config, log, () => this.grains, (job) => {
      this.jobs.handle(job).catch((e: unknown) => log.error({ err: e, jid: job.jid }, 'job failed outside its own error handling'));
    });
    if (config.mp1) this.mp1Service = new Mp1Service(config.mp1, config.data_dir, log, (summary) => this.setGrains({ mp1_services: summary }));
    const journal = new JobJournal(join(config.data_dir, 'journal'));
    const base = o.drivers ?? {
      ...linuxDrivers({ processes: journal.processHooks() }),
      containers: new DockerRuntime(config.containers.socket),
      appIdentity: this.mp1Service?.identities() ?? new FileAppIdentityProvider(join(config.data_dir, 'app-identities.json'), config.containers.mp1_endpoint),
    };
    this.apps = new MasterAppPackages(() => this.link.channel, join(config.data_dir, 'cache', 'files'), config.request_timeout * 3,
      undefined, new VerifiedFiles(onCorrupt));
    this.drivers = { ...base, appPackages: base.appPackages ?? this.apps };
    if (o.grains) this.grains = { ...o.grains, ...bootstrap?.presetGrains, ...config.grains, id: config.id };
    this.ready = new Promise((r) => { this.markReady = r; });
    this.commissioned = new Promise((r) => { this.markCommissioned = r; });

    this.jobs = new AgentJobs({ config, log, link: this.link, outbox: new Outbox(join(config.data_dir, 'outbox')), journal, tree: this.tree, drivers: this.drivers, grains: () => this.grains });
    const power = () => this.power();
    this.firmware = new FirmwareService(config.firmware, { drivers: this.drivers, grains: () => this.grains, log, ready: this.ready, power, given: o.firmware });
    if (config.redfish?.enabled) this.redfishService = new RedfishService(config, log, () => this.firmware.engine, power);
    const schedules = Object.entries(config.schedule ?? {});
    if (schedules.length) {
      this.scheduler = new Scheduler(log);
      for (const [name, e] of schedules) this.scheduler.add(name, e, async () => (await this.jobs.runLocal('schedule', name, e.function, e.args)).jid);
    }
    if (bootstrap?.commission) {
      this.commissioner = new Commissioner({
        bootstrap, log, runLocal: (...a) => this.jobs.runLocal(...a), addGrains: (preset) => this.setGrains(preset),
        master: () => this.link.master, running: () => this.running,
      });
    } else this.markCommissioned();

    const parts: Array<Service | undefined> = [
      this.link, this.firmware, this.redfishService, this.mp1Service, this.jobs,
      this.scheduler && service('schedules', () => undefined, () => this.scheduler!.stop()),
    ];
    this.services = new ServiceGroup(parts.filter((s): s is Service => s !== undefined), (name, e) => log.error({ err: e, service: name }, 'stopping failed'));
  }

  get bytesFetched(): number { return this.tree.bytesFetched; }
  /** The request channel to the master in use. */
  get channel(): MasterChannel { return this.link.channel; }
  /** The box's Mp1 server when agent.yaml has `mp1:`. */
  get mp1(): Mp1Server | undefined { return this.mp1Service?.server; }
  /** The Redfish service, when agent.yaml has a `redfish:` section. */
  get redfish(): RedfishServer | undefined { return this.redfishService?.server; }

  /** One power driver for the box: firmware reboots and Redfish ComputerSystem.Reset go through it. */
  private power(): PowerDriver {
    this.powerDriver ??= this.o.power ?? createPowerDriver(this.config.power, this.drivers.exec);
    return this.powerDriver;
  }

  /** A cached blob failed its hash check (it is dropped and fetched again by the cache): log it and tell the master. */
  private reportCorrupt(f: CorruptFile): void {
    this.log.warn(f, 'a cached file failed its hash check: dropped, fetching it again');
    this.link.request('event', { kind: 'cache/corrupt', data: { ...f } }, this.config.request_timeout)
      .catch((e: unknown) => this.log.warn({ err: e }, 'could not report the damaged cache entry to the master'));
  }

  /** Grains the agent learned (preset by a token, Mp1 services); agent.yaml grains and the id still win. */
  private setGrains(g: Record<string, unknown>): void {
    this.grains = { ...this.grains, ...g, ...this.config.grains, id: this.config.id };
    this.link.regreet();
  }

  async start(): Promise<void> {
    this.running = true;
    if (!Object.keys(this.grains).length) {
      const machine = await cachedMachineGrains({ cacheDir: join(this.config.data_dir, 'cache') });
      this.grains = { ...machine, ...this.o.bootstrap?.presetGrains, ...this.config.grains, id: this.config.id };
    }
    await this.services.start();
    void this.online();
  }

  /** Accepted, greeted and subscribed; then the outbox, the schedules and commissioning. */
  private async online(): Promise<void> {
    try {
      await this.link.join(this.commissioner?.acceptance());
      if (!this.running) return;
      this.markReady();
      void this.jobs.flush();
      await this.scheduler?.start();
      if (this.commissioner && await this.commissioner.run()) this.markCommissioned();
    } catch (e) {
      if (this.running) this.log.error({ err: e }, 'agent stopped working');
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.services.stop();
  }
}
