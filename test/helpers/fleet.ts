import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AgentDaemon } from '../../agent/daemon.js';
import { agentConfigSchema, type AgentConfig } from '../../agent/config.js';
import { validateConfig } from '../../lib/config.js';
import { createLogger } from '../../lib/log.js';
import type { JobRequest, UmecEvent } from '../../lib/messages.js';
import { masterConfigSchema, type MasterConfig } from '../../master/config.js';
import { MasterDaemon } from '../../master/daemon.js';
import type { ActiveJob } from '../../master/jobs.js';
import type { ReturnRecord } from '../../master/jobcache/store.js';
import type { Drivers } from '../../states/types.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export { freePort } from './net.js';
import { freePort } from './net.js';

/** True when a TCP listener can bind 127.0.0.1:port (the previous owner has let go). */
async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Polls `fn` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 5000, everyMs = 25): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Rejects after ms with a message naming what was awaited. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms waiting for ${what}`)), ms); }),
  ]);
}

/** Writes files under dir; `@OUT@` in a file's text becomes `out`. */
async function writeFiles(dir: string, files: Record<string, string>, out: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text.replaceAll('@OUT@', out));
  }
}

export interface FleetOptions {
  /** State tree files, path relative to state_root → text (`@OUT@` is replaced by the fleet's scratch directory). */
  states?: Record<string, string>;
  /** Pillar files, path relative to pillar_root → text (`@OUT@` as for states). */
  pillar?: Record<string, string>;
  /** Seconds a job waits for returns unless the request says otherwise. */
  timeout?: number;
  /** More master.yaml settings. */
  master?: Partial<MasterConfig>;
  /** More agent.yaml settings for every agent. */
  agent?: Partial<AgentConfig>;
}

export interface JobOutcome {
  job: ActiveJob;
  jid: string;
  targets: string[];
  returns: Map<string, ReturnRecord>;
  missing: string[];
}

/**
 * A master and agents in this process, on free ports on 127.0.0.1, each with
 * its own temporary directory; every master event is recorded in `events`.
 */
export class Fleet {
  master!: MasterDaemon;
  masterConfig!: MasterConfig;
  readonly agents = new Map<string, AgentDaemon>();
  /** Every event of the current and earlier masters, in order. */
  readonly events: UmecEvent[] = [];
  readonly root: string;
  /** A scratch directory states and commands may write into. */
  readonly out: string;
  private readonly waiters = new Set<{ pred: (e: UmecEvent) => boolean; resolve: (e: UmecEvent) => void }>();
  private unsubscribe?: () => void;
  private masterRunning = false;
  readonly log = createLogger({ name: 'fleet-test', level: 'silent' });

  private constructor(root: string, private readonly agentExtra: Partial<AgentConfig> = {}) {
    this.root = root;
    this.out = join(root, 'out');
  }

  get stateRoot(): string { return join(this.root, 'states'); }
  get pillarRoot(): string { return join(this.root, 'pillar'); }

  static async startMaster(o: FleetOptions = {}): Promise<Fleet> {
    const f = new Fleet(await mkdtemp(join(tmpdir(), 'umec-fleet-')), o.agent);
    try {
      await mkdir(f.out, { recursive: true });
      await writeFiles(f.stateRoot, o.states ?? {}, f.out);
      await writeFiles(f.pillarRoot, o.pillar ?? {}, f.out);
      const publish_port = await freePort();
      let return_port = await freePort();
      while (return_port === publish_port) return_port = await freePort();
      f.masterConfig = validateConfig<MasterConfig>({
        data_dir: join(f.root, 'master'), state_root: f.stateRoot, pillar_root: f.pillarRoot,
        interface: '127.0.0.1', publish_port, return_port, timeout: o.timeout ?? 5, ...o.master,
      }, masterConfigSchema, 'master.yaml');
      await f.bootMaster();
      return f;
    } catch (e) {
      await f.stopAll();
      throw e;
    }
  }

  private async bootMaster(): Promise<void> {
    // a restarted master binds the same ports: wait until the old sockets have let go of them
    for (const p of [this.masterConfig.publish_port, this.masterConfig.return_port]) {
      await waitFor(() => portIsFree(p), `port ${p} to be free`, 5000, 50);
    }
    this.master = await MasterDaemon.start(this.masterConfig, this.log);
    this.masterRunning = true;
    this.unsubscribe = this.master.core.events.subscribe((ev) => {
      this.events.push(ev);
      for (const w of this.waiters) if (w.pred(ev)) { this.waiters.delete(w); w.resolve(ev); }
    });
  }

  async stopMaster(): Promise<void> {
    if (!this.masterRunning) return;
    this.masterRunning = false;
    this.unsubscribe?.();
    await this.master.stop();
  }

  /** Stops the master and starts a new MasterDaemon on the same ports and data_dir. */
  async restartMaster(): Promise<MasterDaemon> {
    await this.stopMaster();
    await this.bootMaster();
    return this.master;
  }

  /** The first recorded event (past or future) matching pred. */
  waitEvent(pred: (e: UmecEvent) => boolean, what: string, timeoutMs = 5000): Promise<UmecEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    const p = new Promise<UmecEvent>((resolve) => this.waiters.add({ pred, resolve }));
    return within(p, timeoutMs, what);
  }

  /** Recorded events matching pred, from index `from` of `events` on. */
  since(from: number, pred: (e: UmecEvent) => boolean = () => true): UmecEvent[] {
    return this.events.slice(from).filter(pred);
  }

  agentConfig(id: string): AgentConfig {
    return validateConfig<AgentConfig>({
      id, master: [`127.0.0.1:${this.masterConfig.return_port}`], master_pubkey: this.master.core.pair.publicKey,
      data_dir: this.agentDir(id), acceptance_wait_time: 0.2, reconnect_max: 1, ...this.agentExtra,
    }, agentConfigSchema, 'agent.yaml');
  }

  agentDir(id: string): string { return join(this.root, 'agents', id); }

  /** Starts an agent; its key is pending on the master when this resolves. */
  async startAgent(id: string, grains: Record<string, unknown> = { os: 'Debian' }, drivers?: Drivers): Promise<AgentDaemon> {
    if (this.agents.has(id)) throw new Error(`agent ${id} already running`);
    const agent = new AgentDaemon(this.agentConfig(id), this.log, { grains, ...(drivers ? { drivers } : {}) });
    this.agents.set(id, agent);
    await agent.start();
    await waitFor(() => this.master.core.keys.get(id), `the key of ${id} to reach the master`);
    return agent;
  }

  /** Accepts the agent's key and waits until it has said hello and subscribed. */
  async accept(id: string): Promise<AgentDaemon> {
    const agent = this.agents.get(id);
    if (!agent) throw new Error(`no agent ${id}`);
    const { changed } = await this.master.core.changeKeys('accepted', id, false, false);
    if (!changed.includes(id) && this.master.core.keys.get(id)?.state !== 'accepted') throw new Error(`could not accept ${id}`);
    await within(agent.ready, 5000, `agent ${id} to be ready`);
    // the subscription is up once the publish socket handshake is done; give the SUB a moment to join
    await this.waitSubscribed(id);
    return agent;
  }

  /** Starts and accepts agents, each with its grains. */
  async startAccepted(grainsById: Record<string, Record<string, unknown>>): Promise<void> {
    for (const [id, grains] of Object.entries(grainsById)) await this.startAgent(id, grains);
    for (const id of Object.keys(grainsById)) await this.accept(id);
  }

  /**
   * Pings the agent until it answers: proves its job subscription receives
   * publications (a SUB that has just connected misses messages until then).
   */
  private async waitSubscribed(id: string): Promise<void> {
    await waitFor(async () => {
      const r = await this.runJob({ fun: 'ping', args: {}, tgt: id, tgt_type: 'list', timeout: 0.5 });
      return r.returns.has(id);
    }, `agent ${id} to receive jobs`, 8000, 0);
  }

  async stopAgent(id: string): Promise<void> {
    const a = this.agents.get(id);
    this.agents.delete(id);
    await a?.stop();
  }

  /** Starts a job and waits for it to finish (its done event). */
  async runJob(req: JobRequest, waitMs = 15000): Promise<JobOutcome> {
    const job = await this.master.core.startJob(req);
    const done = await this.waitEvent((e) => e.tag === `umec/job/${job.jid}/done`, `job ${job.jid} to finish`, waitMs);
    return { job, jid: job.jid, targets: [...job.targets].sort(), returns: job.returns, missing: done.data.missing as string[] };
  }

  async stopAll(): Promise<void> {
    const agents = [...this.agents.keys()];
    await Promise.all(agents.map((id) => this.stopAgent(id).catch(() => undefined)));
    await this.stopMaster().catch(() => undefined);
    for (const w of this.waiters) this.waiters.delete(w);
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Starts a master with the given state tree and pillar. */
export function startMaster(o: FleetOptions = {}): Promise<Fleet> {
  return Fleet.startMaster(o);
}
