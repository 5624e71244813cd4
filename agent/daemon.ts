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
import { DockerRuntime } from './containers/docker-runtime.js';
import { FileAppIdentityProvider } from './containers/file-identity.js';
import { MasterAppPackages } from './containers/master-packages.js';
import { masterEndpoint, type AgentConfig } from './config.js';
import { startFirmware } from './firmware.js';
import { cachedMachineGrains } from '../states/grains-cache.js';
import { runJob } from '../states/job-runner.js';
import type { AppIdentityProvider } from '../lib/app-identity.js';
import type { Mp1Server } from './mp1/server.js';
import { Outbox } from './outbox.js';
import { TreeCache } from '../states/tree-cache.js';
import { type Bootstrap, saveBootstrap, scrubBootstrapFile } from './commission/bootstrap.js';
import { backoffSeconds, localJid } from './commission/local-jid.js';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import type { JobArgs, JobFun, ReturnMessage } from '../lib/messages.js';
import { Scheduler } from '../lib/scheduler.js';
import { backoffDelay, sleep } from '../lib/retry.js';

/** A return of a job this agent started itself: reported as a local_job (job and return in one message). */
type OutboxItem = ReturnMessage & { local?: { kind: 'commission' | 'schedule'; name: string; fun: JobFun; args: JobArgs; startedAt: string; attempt?: number } };
import { createPowerDriver } from '../firmware/power.js';
import type { FirmwareEngine, PowerDriver } from '../firmware/types.js';
import type { RedfishServer } from './redfish/server.js';


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
  /** App packages fetched from the master (bytesFetched for tests and benchmarks). */
  readonly apps: MasterAppPackages;
  /** The box's Mp1 server when agent.yaml has `mp1:`; app deployment gets app identities from it (AppIdentityProvider). */
  mp1?: Mp1Server;
  private accepted = false;
  /** Resolves when the key is accepted and the job subscription is up. */
  ready: Promise<void>;
  private markReady!: () => void;

  /** The Redfish service, when agent.yaml has a `redfish:` section. */
  redfish?: RedfishServer;
  /** First-boot commissioning state (agent/commission/bootstrap.ts); undefined: nothing to commission. */
  private readonly bootstrap?: Bootstrap;
  private scheduler?: Scheduler;
  /** Resolves when commissioning is done (at once when there is none to do). */
  commissioned: Promise<void>;
  private markCommissioned!: () => void;

  constructor(readonly config: AgentConfig, private readonly log: Logger,
    private readonly o: { drivers?: Drivers; grains?: Record<string, unknown>; bootstrap?: Bootstrap; firmware?: FirmwareEngine; power?: PowerDriver } = {}) {
    this.outbox = new Outbox(join(config.data_dir, 'outbox'));
    this.tree = new TreeCache(join(config.data_dir, 'cache'));
    const base = o.drivers ?? {
      ...linuxDrivers(),
      containers: new DockerRuntime(config.containers.socket),
      appIdentity: config.mp1 ? this.mp1Identities() : new FileAppIdentityProvider(join(config.data_dir, 'app-identities.json'), config.containers.mp1_endpoint),
    };
    this.apps = new MasterAppPackages(() => this.channel!, join(config.data_dir, 'cache', 'files'), config.request_timeout * 3);
    this.drivers = { ...base, appPackages: base.appPackages ?? this.apps };
    this.bootstrap = o.bootstrap;
    if (o.grains) this.grains = { ...o.grains, ...this.bootstrap?.presetGrains, ...config.grains, id: config.id };
    this.ready = new Promise((r) => { this.markReady = r; });
    this.commissioned = new Promise((r) => { this.markCommissioned = r; });
    if (!this.bootstrap?.commission) this.markCommissioned();
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
      this.grains = { ...machine, ...this.bootstrap?.presetGrains, ...this.config.grains, id: this.config.id };
    }
    let firmware = this.o.firmware;
    if (this.config.firmware && !this.drivers.firmware) {
      firmware = await startFirmware(this.config, { drivers: this.drivers, grains: this.grains, log: this.log, ready: this.ready, power: this.power() });
      this.drivers.firmware = firmware;
    }
    if (this.config.redfish?.enabled) {
      // loaded only when configured: fastify, TLS and systeminformation stay out of agents without Redfish
      const { startRedfishServer } = await import('./redfish/server.js');
      this.redfish = await startRedfishServer({ config: this.config.redfish, dataDir: this.config.data_dir, systemId: this.config.id,
        log: this.log, firmware, power: this.power() });
    }
    if (this.config.mp1) await this.startMp1(this.config.mp1);
    this.connect();
    void this.run();
  }

  /** Index into config.master of the master in use. */
  private current = 0;

  private connect(): void {
    this.channel?.close();
    this.channel = new MasterChannel({
      endpoint: masterEndpoint(this.config.master[this.current]), masterKey: this.config.master_pubkey,
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
      this.accepted = true;
      this.markReady();
      this.heartbeat = setInterval(() => { void this.hello(false).catch(() => undefined); }, 30_000);
      this.heartbeat.unref();
      void this.flushOutbox();
      await this.startSchedules();
      if (this.bootstrap?.commission) await this.commission();
    } catch (e) {
      if (this.running) this.log.error({ err: e }, 'agent stopped working');
    }
  }

  /** Key request until accepted; a rejected or conflicting key keeps asking slowly, as Salt minions do. */
  private async waitForAcceptance(): Promise<void> {
    let logged = '';
    const boot = this.bootstrap?.commission ? this.bootstrap : undefined;
    for (let attempt = 1; this.running; attempt++) {
      try {
        // the token travels inside the CURVE-encrypted, MACed key request, never in the clear
        const body = { pubkey: this.pair.publicKey, grains: this.grains, ...(boot?.token ? { token: boot.token } : {}) };
        const r = await this.channel!.request('key_request', body, this.config.request_timeout);
        const status = String(r.body.status);
        if (status === 'accepted') { await this.onAccepted(r.body); return; }
        const reason = typeof r.body.reason === 'string' ? r.body.reason : undefined;
        if (boot) this.log.warn({ status, reason, attempt }, `commissioning: key is ${status} on the master${reason ? ` (${reason})` : ''}; retrying`);
        else if (status !== logged) this.log.warn({ status }, status === 'pending' ? 'key is pending acceptance on the master' : `key is ${status} by the master`);
        logged = status;
      } catch (e) {
        if (!(e instanceof RequestTimeout)) throw e;
        if (boot) this.log.warn({ attempt, master: this.config.master[this.current] }, 'commissioning: master not reachable; retrying');
        else this.log.info('no answer from the master yet; retrying');
        this.failover();
        if (!boot) continue;
      }
      await sleep((boot ? backoffSeconds(attempt, boot.config.bootstrap.retry_min, boot.config.bootstrap.retry_max) : this.config.acceptance_wait_time) * 1000);
    }
  }

  /** Keeps the grains a token preset, and takes the token off the boot partition. */
  private async onAccepted(body: Record<string, unknown>): Promise<void> {
    const boot = this.bootstrap;
    if (!boot?.commission) return;
    const preset = body.grains && typeof body.grains === 'object' ? body.grains as Record<string, unknown> : undefined;
    if (preset && Object.keys(preset).length) {
      await saveBootstrap(boot.savedPath, { grains: { ...boot.presetGrains, ...preset } });
      this.grains = { ...this.grains, ...preset, ...this.config.grains, id: this.config.id };
    }
    if (boot.tokenFrom === 'file') {
      await scrubBootstrapFile(boot.config.bootstrap.file, boot.config.bootstrap.after_use)
        .then(() => this.log.info({ file: boot.config.bootstrap.file, how: boot.config.bootstrap.after_use }, 'enrolment token taken off the bootstrap file'))
        .catch((e: unknown) => this.log.error({ err: e, file: boot.config.bootstrap.file }, 'could not blank the token in the bootstrap file'));
    } else if (boot.tokenFrom === 'config') {
      this.log.warn('the enrolment token stays in agent.yaml; remove it (a bootstrap file is blanked automatically)');
    }
    this.log.info({ id: this.config.id }, 'commissioning: key accepted');
  }

  /**
   * First boot, key accepted: applies the highstate (a job of its own, in the
   * master's job cache), and writes the commissioned marker once the master
   * has the result. A failure is reported and retried with backoff.
   */
  private async commission(): Promise<void> {
    const b = this.bootstrap!;
    for (let attempt = 1; this.running; attempt++) {
      const ret = await this.runLocal('commission', 'highstate', 'apply', {}, attempt);
      if (!this.running) return;
      if (ret.success) {
        await writeFileAtomic(b.markerPath, `${JSON.stringify({ commissioned_at: new Date().toISOString(), jid: ret.jid, master: this.config.master[this.current] })}\n`, { mode: 0o644 });
        this.log.info({ jid: ret.jid, attempt }, 'commissioned');
        this.markCommissioned();
        return;
      }
      const wait = backoffSeconds(attempt, b.config.bootstrap.retry_min, b.config.bootstrap.retry_max);
      this.log.warn({ jid: ret.jid, attempt, retcode: ret.retcode, retry_in: Math.round(wait) }, 'commissioning: highstate failed; retrying');
      await sleep(wait * 1000);
    }
  }

  /** Runs a job this agent starts itself and delivers job and return to the master's job cache. */
  private async runLocal(kind: 'commission' | 'schedule', name: string, fun: JobFun, args: JobArgs, attempt?: number): Promise<ReturnMessage> {
    const job: JobMessage = { jid: localJid(), fun, args, targets: [this.config.id] };
    const startedAt = new Date().toISOString();
    this.log.info({ jid: job.jid, fun, [kind]: name }, `${kind} job started`);
    const ret = await this.execute(job);
    const item: OutboxItem = { ...ret, local: { kind, name, fun, args, startedAt, ...(attempt ? { attempt } : {}) } };
    await this.outbox.put(item);
    await this.deliver(item);
    return ret;
  }

  private async startSchedules(): Promise<void> {
    const entries = Object.entries(this.config.schedule ?? {});
    if (!entries.length || this.scheduler) return;
    this.scheduler = new Scheduler(this.log);
    for (const [name, e] of entries) {
      this.scheduler.add(name, e, async () => (await this.runLocal('schedule', name, e.function, e.args)).jid);
    }
    await this.scheduler.start();
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
        await sleep(backoffDelay(attempt + 1, { base: 500, max: 30_000, jitter: 0.5 }));
      }
    }
  }

  private subEndpoint?: string;

  private subscribe(port: number): void {
    const host = new URL(masterEndpoint(this.config.master[this.current]).replace('tcp://', 'http://')).hostname;
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
        try { job = JSON.parse(payload.toString('utf8')) as JobMessage; } catch { this.log.warn('unreadable job message dropped'); continue; }
        if (job.targets !== '*' && !(Array.isArray(job.targets) && job.targets.includes(this.config.id))) continue;
        this.handle(job).catch((e: unknown) => this.log.error({ err: e, jid: job.jid }, 'job failed outside its own error handling'));
      }
    } catch (e) {
      if (this.running && sub === this.sub) this.log.error({ err: e }, 'job subscription failed');
    }
  }

  private async handle(job: JobMessage): Promise<void> {
    this.log.info({ jid: job.jid, fun: job.fun }, 'job received');
    const ret = await this.execute(job);
    await this.outbox.put(ret);
    await this.deliver(ret);
  }

  private async execute(job: JobMessage): Promise<ReturnMessage> {
    const exec = () => runJob(job, {
      grains: () => this.grains,
      tree: () => this.tree.sync(this.channel!, this.config.request_timeout * 3),
      pillar: async () => (await this.channel!.request('pillar', {}, this.config.request_timeout * 3)).body.pillar as Record<string, unknown>,
      // the state engine (templates, YAML, schemas) is loaded with the first apply, not at start
      engine: () => this.engine(),
      exec: this.drivers.exec,
    });
    // one state run at a time, like Salt; other functions run at once
    return job.fun === 'apply' ? await (this.applyQueue = this.applyQueue.then(exec, exec)) : await exec();
  }

  private async deliver(item: OutboxItem): Promise<void> {
    const { local, ...ret } = item;
    // a job the agent started itself carries its job record with the return
    const [type, msg] = local ? ['local_job', { ...local, ...ret }] : ['return', ret];
    for (let attempt = 0; this.running; attempt++) {
      try {
        const r = await this.channel!.request(type, msg, this.config.request_timeout * 1.5);
        if (r.body.ok === true || r.body.ok === false) { await this.outbox.done(ret.jid); return; }
      } catch (e) {
        if (!(e instanceof RequestTimeout)) throw e;
      }
      await sleep(backoffDelay(attempt + 1, { base: 500, max: 30_000, jitter: 0.5 }));
    }
  }

  private enginePromise?: Promise<StateEngine>;

  /** One engine for the agent's life (it caches compiled plans); loaded with the first apply, not at start. */
  private engine(): Promise<StateEngine> {
    this.enginePromise ??= Promise.all([import('../states/engine.js'), import('../states/modules/index.js')])
      .then(([{ StateEngine: Engine }, { builtinModules }]) => new Engine({ modules: builtinModules(), drivers: this.drivers }));
    return this.enginePromise;
  }

  /** With `mp1:` configured, deployed apps get their identities from the box's Mp1 server (started before any job runs). */
  private mp1Identities(): AppIdentityProvider {
    const server = (): Mp1Server => {
      if (!this.mp1) throw new Error('the Mp1 server is not running');
      return this.mp1;
    };
    return {
      ensure: (id, meta) => server().ensure(id, meta),
      remove: (id) => server().remove(id),
      endpoint: () => server().endpoint(),
    };
  }

  private async startMp1(config: NonNullable<AgentConfig['mp1']>): Promise<void> {
    const { Mp1Server } = await import('./mp1/server.js');
    const mp1 = await Mp1Server.open({ config, dataDir: this.config.data_dir, log: this.log.child({ area: 'mp1' }) });
    this.grains.mp1_services = mp1.services.summary();
    let timer: NodeJS.Timeout | undefined;
    // the master learns the box's services from its grains; a burst of registrations makes one hello
    mp1.services.onChange = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        this.grains = { ...this.grains, mp1_services: mp1.services.summary() };
        if (this.accepted && this.running) void (this.helloing ?? Promise.resolve()).catch(() => undefined).then(() => this.hello(false)).catch(() => undefined);
      }, 200);
    };
    await mp1.listen();
    this.mp1 = mp1;
    this.log.info({ endpoint: mp1.endpoint() }, 'Mp1 server listening');
  }

  private async flushOutbox(): Promise<void> {
    for (const r of await this.outbox.pending()) void this.deliver(r);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.scheduler?.stop();
    await this.channel?.request('stop', {}, 1).catch(() => undefined);
    this.running = false;
    this.sub?.close();
    this.channel?.close();
    await this.mp1?.close();
    await this.redfish?.close();
  }
}
