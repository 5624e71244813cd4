import { join } from 'node:path';
import { Subscriber } from 'zeromq';
import { loadOrCreateKeyPair, type CurvePair } from '../lib/keypair.js';
import type { Logger } from '../lib/log.js';
import type { JobMessage } from '../lib/messages.js';
import { sharedKey } from '../lib/wire.js';
import { fingerprint } from '../lib/z85.js';
import { linuxDrivers } from '../states/drivers/linux.js';
import type { StateEngine } from '../states/engine.js';
import type { Drivers } from '../states/types.js';
import { MasterChannel, RequestTimeout } from './channel.js';
import { masterEndpoint, type AgentConfig } from './config.js';
import { startFirmware } from './firmware.js';
import { cachedMachineGrains } from './grains-cache.js';
import { runJob } from './job-runner.js';
import { Outbox } from './outbox.js';
import { TreeCache } from './tree-cache.js';
import { createPowerDriver } from '../firmware/power.js';
import type { FirmwareEngine, PowerDriver } from '../firmware/types.js';
import type { RedfishServer } from './redfish/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The agent daemon: asks to be accepted, then says hello, subscribes to jobs,
 * runs those addressed to it and delivers each return until the master has
 * stored it. Everything reconnects by itself after a master restart.
 */
export class AgentDaemon {
  private pair!: CurvePair;
  private channel?: MasterChannel;
  private sub?: Subscriber;
  private grains: Record<string, unknown> = {};
  private running = false;
  private heartbeat?: NodeJS.Timeout;
  private readonly outbox: Outbox;
  private readonly tree: TreeCache;
  private applyQueue: Promise<unknown> = Promise.resolve();
  private readonly drivers: Drivers;
  /** Resolves when the key is accepted and the job subscription is up. */
  ready: Promise<void>;
  private markReady!: () => void;

  /** The Redfish service, when agent.yaml has a `redfish:` section. */
  redfish?: RedfishServer;

  constructor(readonly config: AgentConfig, private readonly log: Logger,
    private readonly o: { drivers?: Drivers; grains?: Record<string, unknown>; firmware?: FirmwareEngine; power?: PowerDriver } = {}) {
    this.outbox = new Outbox(join(config.data_dir, 'outbox'));
    this.tree = new TreeCache(join(config.data_dir, 'cache'));
    this.drivers = o.drivers ?? linuxDrivers();
    if (o.grains) this.grains = { ...o.grains, ...config.grains, id: config.id };
    this.ready = new Promise((r) => { this.markReady = r; });
  }

  get bytesFetched(): number { return this.tree.bytesFetched; }

  private powerDriver?: PowerDriver;

  /** One power driver for the box: firmware reboots and Redfish ComputerSystem.Reset go through it. */
  private power(): PowerDriver {
    this.powerDriver ??= this.o.power ?? createPowerDriver(this.config.power, this.drivers.exec);
    return this.powerDriver;
  }

  async start(): Promise<void> {
    this.running = true;
    this.pair = await loadOrCreateKeyPair(join(this.config.data_dir, 'pki'), 'agent');
    this.log.info({ id: this.config.id, fingerprint: fingerprint(this.pair.publicKey) }, 'agent key (compare with umec key finger on the master)');
    if (!Object.keys(this.grains).length) {
      const machine = await cachedMachineGrains({ cacheDir: join(this.config.data_dir, 'cache') });
      this.grains = { ...machine, ...this.config.grains, id: this.config.id };
    }
    if (this.config.firmware && !this.drivers.firmware) {
      this.drivers.firmware = await startFirmware(this.config, { drivers: this.drivers, grains: this.grains, log: this.log, ready: this.ready, power: this.power() });
    }
    if (this.config.redfish?.enabled) {
      // loaded only when configured: fastify, TLS and systeminformation stay out of agents without Redfish
      const { startRedfishServer } = await import('./redfish/server.js');
      this.redfish = await startRedfishServer({ config: this.config.redfish, dataDir: this.config.data_dir, systemId: this.config.id,
        log: this.log, firmware: this.o.firmware ?? this.drivers.firmware, power: this.power() });
    }
    this.connect();
    void this.run();
  }

  /** Index into config.master of the master in use. */
  private current = 0;

  private connect(): void {
    this.channel?.close();
    this.channel = new MasterChannel({
      endpoint: masterEndpoint(this.config.master[this.current]!), masterKey: this.config.master_pubkey,
      publicKey: this.pair.publicKey, secretKey: this.pair.secretKey, id: this.config.id,
      macKey: sharedKey(this.pair.secretKey, this.config.master_pubkey), reconnectMaxMs: this.config.reconnect_max * 1000,
    });
  }

  /** With several masters configured, a master that stays silent is left for the next one. */
  private failover(): void {
    if (this.config.master.length < 2) return;
    this.current = (this.current + 1) % this.config.master.length;
    this.log.warn({ master: this.config.master[this.current] }, 'master not answering; failing over');
    this.connect();
  }

  private async run(): Promise<void> {
    try {
      await this.waitForAcceptance();
      await this.hello(true);
      this.markReady();
      this.heartbeat = setInterval(() => { void this.hello(false).catch(() => undefined); }, 30_000);
      this.heartbeat.unref();
      void this.flushOutbox();
    } catch (e) {
      if (this.running) this.log.error({ err: e }, 'agent stopped working');
    }
  }

  /** Key request until accepted; a rejected or conflicting key keeps asking slowly, as Salt minions do. */
  private async waitForAcceptance(): Promise<void> {
    let logged = '';
    while (this.running) {
      try {
        const r = await this.channel!.request('key_request', { pubkey: this.pair.publicKey, grains: this.grains }, this.config.request_timeout);
        const status = String(r.body.status);
        if (status === 'accepted') return;
        if (status !== logged) this.log.warn({ status }, status === 'pending' ? 'key is pending acceptance on the master' : `key is ${status} by the master`);
        logged = status;
      } catch (e) {
        if (!(e instanceof RequestTimeout)) throw e;
        this.log.info('no answer from the master yet; retrying');
        this.failover();
        continue;
      }
      await sleep(this.config.acceptance_wait_time * 1000);
    }
  }

  private helloing?: Promise<Record<string, unknown>>;

  /** One hello at a time: heartbeats and reconnects during an outage share the one in flight. */
  private hello(start: boolean): Promise<Record<string, unknown>> {
    this.helloing ??= this.sayHello(start).finally(() => { this.helloing = undefined; });
    return this.helloing;
  }

  /** Tells the master this agent is here (and its grains), and follows it to its publish port. */
  private async sayHello(start: boolean): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      try {
        const body = (await this.channel!.request('hello', { grains: this.grains, start }, this.config.request_timeout)).body;
        this.subscribe(Number(body.publish_port));
        return body;
      } catch (e) {
        if (!(e instanceof RequestTimeout) || !this.running) throw e;
        if (attempt > 0) this.failover();
        await sleep(Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  private subEndpoint?: string;

  private subscribe(port: number): void {
    const host = new URL(masterEndpoint(this.config.master[this.current]!).replace('tcp://', 'http://')).hostname;
    const endpoint = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (endpoint === this.subEndpoint) return;
    this.sub?.close();
    this.subEndpoint = endpoint;
    this.sub = new Subscriber({
      curveServerKey: this.config.master_pubkey, curvePublicKey: this.pair.publicKey, curveSecretKey: this.pair.secretKey,
      reconnectInterval: 100 + Math.floor(Math.random() * 400), reconnectMaxInterval: this.config.reconnect_max * 1000, linger: 0,
    });
    this.sub.connect(endpoint);
    this.sub.subscribe('job');
    this.sub.events.on('connect', () => { void this.hello(false).catch(() => undefined); });
    void this.jobs();
  }

  private async jobs(): Promise<void> {
    const sub = this.sub!;
    try {
      for await (const [, payload] of sub) {
        let job: JobMessage;
        try { job = JSON.parse(payload!.toString('utf8')) as JobMessage; } catch { this.log.warn('unreadable job message dropped'); continue; }
        if (job.targets !== '*' && !(Array.isArray(job.targets) && job.targets.includes(this.config.id))) continue;
        this.handle(job).catch((e: unknown) => this.log.error({ err: e, jid: job.jid }, 'job failed outside its own error handling'));
      }
    } catch (e) {
      if (this.running && sub === this.sub) this.log.error({ err: e }, 'job subscription failed');
    }
  }

  private async handle(job: JobMessage): Promise<void> {
    this.log.info({ jid: job.jid, fun: job.fun }, 'job received');
    const exec = () => runJob(job, {
      grains: () => this.grains,
      tree: () => this.tree.sync(this.channel!, this.config.request_timeout * 3),
      pillar: async () => (await this.channel!.request('pillar', {}, this.config.request_timeout * 3)).body.pillar as Record<string, unknown>,
      // the state engine (templates, YAML, schemas) is loaded with the first apply, not at start
      engine: () => this.engine(),
      exec: this.drivers.exec,
    });
    // one state run at a time, like Salt; other functions run at once
    const ret = job.fun === 'apply' ? await (this.applyQueue = this.applyQueue.then(exec, exec)) as Awaited<ReturnType<typeof exec>> : await exec();
    await this.outbox.put(ret);
    await this.deliver(ret);
  }

  private async deliver(ret: Awaited<ReturnType<typeof runJob>>): Promise<void> {
    for (let attempt = 0; this.running; attempt++) {
      try {
        const r = await this.channel!.request('return', ret, this.config.request_timeout * 1.5);
        if (r.body.ok === true || r.body.ok === false) { await this.outbox.done(ret.jid); return; }
      } catch (e) {
        if (!(e instanceof RequestTimeout)) throw e;
      }
      await sleep(Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random()));
    }
  }

  private enginePromise?: Promise<StateEngine>;

  /** One engine for the agent's life (it caches compiled plans); loaded with the first apply, not at start. */
  private engine(): Promise<StateEngine> {
    this.enginePromise ??= Promise.all([import('../states/engine.js'), import('../states/modules/index.js')])
      .then(([{ StateEngine: Engine }, { builtinModules }]) => new Engine({ modules: builtinModules(), drivers: this.drivers }));
    return this.enginePromise;
  }

  private async flushOutbox(): Promise<void> {
    for (const r of await this.outbox.pending()) void this.deliver(r);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.channel?.request('stop', {}, 1).catch(() => undefined);
    this.running = false;
    this.sub?.close();
    this.channel?.close();
    await this.redfish?.close();
  }
}
