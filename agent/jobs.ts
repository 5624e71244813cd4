import { ioError, UmecError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { WireInput } from '../lib/wire-ops.js';
import type { JobArgs, JobFun, JobMessage, ReturnMessage } from '../lib/messages.js';
import { backoffDelay, sleep } from '../lib/retry.js';
import { Serial } from '../lib/serial.js';
import type { Service } from '../lib/services.js';
import type { StateEngine } from '../states/engine.js';
import { runJob } from '../states/job-runner.js';
import type { TreeCache } from '../states/tree-cache.js';
import type { Drivers } from '../states/types.js';
import { NoAnswer } from './channel.js';
import { localJid } from './commission/local-jid.js';
import type { AgentConfig } from './config.js';
import type { MasterLink } from './master-link.js';
import type { JobJournal, JournalEntry } from './job-journal.js';
import type { Outbox, OutboxItem } from './outbox.js';

export interface AgentJobsDeps {
  config: AgentConfig;
  log: Logger;
  link: MasterLink;
  outbox: Outbox;
  /** What is running, so a crash leaves a record (agent/job-journal.ts). */
  journal: JobJournal;
  tree: TreeCache;
  drivers: Drivers;
  grains: () => Record<string, unknown>;
}

/**
 * Runs jobs (from the master, or started by the agent itself) and delivers each return through
 * the outbox until the master has stored it.
 */
export class AgentJobs implements Service {
  readonly name = 'jobs and outbox';
  private running = false;
  /** One state run at a time, like Salt; other functions run at once. */
  private readonly applies = new Serial();
  private enginePromise?: Promise<StateEngine>;
  /** Aborted by stop(): a running apply ends between two states. */
  private readonly abort = new AbortController();
  /** Jobs being run and delivered to the outbox; stop() waits for them. */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly d: AgentJobsDeps) {}

  /** Jobs a crash interrupted become failed returns in the outbox (delivered by flush), never run again. */
  async start(): Promise<void> {
    const { journal, outbox, log } = this.d;
    const { returns, killed, tempsRemoved } = await journal.recover();
    if (killed.length) log.warn({ process_groups: killed }, `killed ${killed.length} command(s) a previous run of the agent left running`);
    for (const t of tempsRemoved) log.warn({ file: t }, `removed ${t}, the temporary file of a write the previous run did not finish`);
    for (const { entry, ret } of returns) {
      log.error({ jid: entry.jid, fun: entry.fun, reached: entry.reached }, `job ${entry.jid} was interrupted by the end of the previous run; reporting it, not running it again`);
      await outbox.put(entry.local ? { ...ret, local: { ...entry.local, fun: entry.fun, args: entry.args, startedAt: entry.startedAt } } : ret);
      await journal.end(entry.jid);
    }
    this.running = true;
  }

  /** Ends a running apply between two states and waits until its return is in the outbox. */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort('agent stopping');
    await Promise.allSettled([...this.inflight]);
  }

  /** A job from the master: run it, keep its return, deliver it. */
  async handle(job: JobMessage): Promise<void> {
    this.d.log.info({ jid: job.jid, fun: job.fun }, 'job received');
    let kept: ReturnMessage;
    try {
      kept = await this.track(this.journaled({ jid: job.jid, fun: job.fun, args: job.args, startedAt: new Date().toISOString() }, job,
        async (ret) => { await this.d.outbox.put(ret); return ret; }));
    } catch (caught) {
      // the journal or the outbox could not be written (a full disk): the master still hears why, if it can
      const e = ioError(caught) ?? caught;
      const why = e instanceof UmecError ? `${e.message} [${e.code}]` : String((e as Error).message ?? e);
      this.d.log.error({ err: e, jid: job.jid }, `job ${job.jid} could not be run or kept: ${why}`);
      kept = { jid: job.jid, fun: job.fun, ret: [`the agent could not run or keep this job: ${why}`], retcode: 1, success: false };
    }
    await this.deliver(kept);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const forget = () => { this.inflight.delete(p); };
    p.then(forget, forget);
    return p;
  }

  /** Runs a job this agent starts itself and delivers job and return to the master's job cache. */
  async runLocal(kind: 'commission' | 'schedule', name: string, fun: JobFun, args: JobArgs, attempt?: number): Promise<ReturnMessage> {
    const job: JobMessage = { jid: localJid(), fun, args, targets: [this.d.config.id] };
    const startedAt = new Date().toISOString();
    this.d.log.info({ jid: job.jid, fun, [kind]: name }, `${kind} job started`);
    const local = { kind, name, ...(attempt ? { attempt } : {}) };
    const item = await this.track(this.journaled({ jid: job.jid, fun, args, startedAt, local }, job, async (ret): Promise<OutboxItem> => {
      const it: OutboxItem = { ...ret, local: { ...local, fun, args, startedAt } };
      await this.d.outbox.put(it);
      return it;
    }));
    await this.deliver(item);
    const { local: _local, ...ret } = item;
    return ret;
  }

  /** Delivers what the outbox still holds (returns of a previous run the master has not stored). */
  async flush(): Promise<void> {
    for (const r of await this.d.outbox.pending()) void this.deliver(r);
  }

  /** Runs the job journaled: on disk as running before it starts, forgotten once `keep` has put its return in the outbox. */
  private async journaled<T>(entry: JournalEntry, job: JobMessage, keep: (ret: ReturnMessage) => Promise<T>): Promise<T> {
    await this.d.journal.begin(entry);
    const kept = await keep(await this.execute(job));
    await this.d.journal.end(job.jid);
    return kept;
  }

  private execute(job: JobMessage): Promise<ReturnMessage> {
    const { config, link } = this.d;
    const exec = () => runJob(job, {
      grains: this.d.grains,
      tree: () => this.d.tree.sync(link.channel, config.request_timeout * 3),
      pillar: async () => (await link.request('pillar', {}, config.request_timeout * 3)).body.pillar,
      // the state engine (templates, YAML, schemas) is loaded with the first apply, not at start
      engine: () => this.engine(),
      exec: this.d.drivers.exec,
      signal: this.abort.signal,
      onState: (chunk, index, total) => this.d.journal.reached(job.jid, chunk, index, total),
    });
    return (job.fun === 'apply' ? this.applies.run(exec) : exec()).then((r) => this.bounded(r));
  }

  /**
   * A return bigger than max_return_size is replaced by a failure saying so: the master cuts a
   * connection whose message exceeds its max_message_size, and an outbox re-sending it would
   * cut this agent off for good.
   */
  private bounded(r: ReturnMessage): ReturnMessage {
    const size = Buffer.byteLength(JSON.stringify(r.ret) ?? '');
    const max = this.d.config.max_return_size;
    if (size <= max) return r;
    this.d.log.error({ jid: r.jid, size, max }, 'job return too large; sent as a failure');
    return { ...r, ret: `the return of ${r.fun} is ${size} bytes, more than max_return_size (${max}) in agent.yaml; it was not sent`, retcode: 1, success: false };
  }

  private async deliver(item: OutboxItem): Promise<void> {
    const { local, ...ret } = item;
    // a job the agent started itself carries its job record with the return
    for (let attempt = 0; this.running; attempt++) {
      try {
        const wait = this.d.config.request_timeout * 1.5;
        const report: WireInput<'local_job'> | undefined = local && { ...local, ...ret };
        // any answer (the reply schema is checked by the channel) means the master has it
        if (report) await this.d.link.request('local_job', report, wait);
        else await this.d.link.request('return', ret, wait);
        await this.d.outbox.done(ret.jid);
        return;
      } catch (e) {
        if (!(e instanceof NoAnswer)) throw e;
      }
      await sleep(backoffDelay(attempt + 1, { base: 500, max: 30_000, jitter: 0.5 }));
    }
  }

  /** One engine for the agent's life (it caches compiled plans); loaded with the first apply, not at start. */
  private engine(): Promise<StateEngine> {
    this.enginePromise ??= Promise.all([import('../states/engine.js'), import('../states/modules/index.js')])
      .then(([{ StateEngine: Engine }, { builtinModules }]) => new Engine({
        modules: builtinModules(), drivers: this.d.drivers,
        limits: { maxStates: this.d.config.max_states, maxSlsBytes: this.d.config.max_sls_bytes },
      }));
    return this.enginePromise;
  }
}
