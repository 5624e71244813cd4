import { EventEmitter } from 'node:events';
import type { Logger } from '../lib/log.js';
import type { JobMessage, JobRequest, ReturnMessage } from '../lib/messages.js';
import type { EventBus } from './events.js';
import { newJid, type JobStore, type ReturnRecord } from './jobcache/store.js';
import { UmecError } from '../lib/errors.js';

/** How many targets may run at once: all, a count ("10") or a share ("10%"). */
export function batchSize(batch: string | undefined, total: number): number {
  if (!batch) return total;
  const m = /^(\d+)(%?)$/.exec(batch.trim());
  if (!m || Number(m[1]) === 0) throw new UmecError('USAGE', { reason: `batch must be a positive count or percentage, got ${JSON.stringify(batch)}` });
  const n = m[2] ? Math.ceil((total * Number(m[1])) / 100) : Number(m[1]);
  return Math.max(1, Math.min(total, n));
}

/** Failures (failed returns plus targets that did not return) a rollout tolerates: a count or a share of the targets. */
export function failureLimit(max: string, total: number): number {
  const m = /^(\d+)(%?)$/.exec(max.trim());
  if (!m) throw new UmecError('USAGE', { reason: `max-failures must be a count or a percentage, got ${JSON.stringify(max)}` });
  return m[2] ? Math.floor((total * Number(m[1])) / 100) : Number(m[1]);
}

/** Why a batched rollout stopped early, and who was never sent the job. */
export interface RolloutStop { failures: number; max_failures: string; not_run: string[] }

/**
 * One job in flight: publishes to its targets (all at once or in a sliding
 * window), collects returns, and counts a target missing when it has not
 * answered `timeout` seconds after it was published to. Emits 'return' and 'done'.
 */
export class ActiveJob extends EventEmitter {
  readonly returns = new Map<string, ReturnRecord>();
  readonly missing: string[] = [];
  private readonly queue: string[];
  private readonly inflight = new Map<string, NodeJS.Timeout>();
  private finished = false;
  private failures = 0;
  /** Set when --max-failures stopped the rollout: the remaining batches are not published. */
  stopped?: RolloutStop;

  constructor(readonly jid: string, readonly req: JobRequest, readonly targets: string[],
    private readonly publish: (m: JobMessage) => Promise<void>, private readonly timeoutMs: number,
    private readonly everyone = false) {
    super();
    this.queue = [...targets];
  }

  async begin(): Promise<void> {
    await this.fill(batchSize(this.req.batch, this.targets.length));
    this.maybeDone();
  }

  private async fill(window: number): Promise<void> {
    const next: string[] = [];
    while (this.inflight.size + next.length < window && this.queue.length) next.push(this.queue.shift()!);
    if (!next.length) return;
    for (const id of next) {
      this.inflight.set(id, setTimeout(() => this.expire(id), this.timeoutMs));
    }
    // a fleet-wide job names no ids: the message stays small however many agents there are
    const all = this.everyone && next.length === this.targets.length;
    await this.publish({ jid: this.jid, fun: this.req.fun, args: this.req.args, targets: all ? '*' : next });
  }

  private expire(id: string): void {
    if (!this.inflight.delete(id)) return;
    this.missing.push(id);
    this.failed();
    this.advance();
  }

  /** Next batch window, if any; a failed publication counts its targets as missing rather than crashing. */
  private advance(): void {
    const next = this.req.batch ? this.fill(batchSize(this.req.batch, this.targets.length)) : Promise.resolve();
    next.catch((e: unknown) => this.emit('error-publish', e)).finally(() => this.maybeDone());
  }

  /** Counts a failure; past max_failures the targets still queued are dropped and the rollout reports it. */
  private failed(): void {
    this.failures++;
    const max = this.req.max_failures;
    if (max === undefined || this.stopped || this.failures <= failureLimit(max, this.targets.length)) return;
    this.stopped = { failures: this.failures, max_failures: max, not_run: this.queue.splice(0) };
    this.emit('stopped', this.stopped);
  }

  isTarget(id: string): boolean {
    return this.targets.includes(id);
  }

  /** Record a return that is already durable in the job cache. */
  recorded(r: ReturnRecord): void {
    const t = this.inflight.get(r.id);
    if (t) clearTimeout(t);
    this.inflight.delete(r.id);
    const late = this.missing.indexOf(r.id);
    if (late >= 0) this.missing.splice(late, 1);
    if (late >= 0 && r.success) this.failures--;
    if (late < 0 && !r.success) this.failed();
    this.returns.set(r.id, r);
    this.emit('return', r);
    this.advance();
  }

  private maybeDone(): void {
    if (this.finished || this.inflight.size || this.queue.length) return;
    this.finished = true;
    // never synchronously: whoever started the job must get to listen first
    setImmediate(() => this.emit('done', { missing: [...this.missing].sort(), ...(this.stopped ? { stopped: this.stopped } : {}) }));
  }

  /** Master shutdown: whoever has not answered yet counts as missing. */
  cancel(): void {
    for (const t of this.inflight.values()) clearTimeout(t);
    this.missing.push(...this.inflight.keys(), ...this.queue);
    this.inflight.clear();
    this.queue.length = 0;
    this.maybeDone();
  }
}

export class JobManager {
  private readonly active = new Map<string, ActiveJob>();

  constructor(private readonly deps: { store: JobStore; events: EventBus; log: Logger; publish: (m: JobMessage) => Promise<void> }) {}

  /** `everyone`: the targets are every accepted agent, so the publication can say "*" instead of listing them. */
  async start(req: JobRequest, targets: string[], defaultTimeout: number, everyone = false): Promise<ActiveJob> {
    const jid = newJid();
    await this.deps.store.saveJob({
      jid, fun: req.fun, args: req.args, target: { expr: req.tgt, type: req.tgt_type }, targets,
      startedAt: new Date().toISOString(), test: req.args.test, batch: req.batch, ...(req.user ? { user: req.user } : {}),
    });
    const job = new ActiveJob(jid, req, targets, this.deps.publish, (req.timeout ?? defaultTimeout) * 1000, everyone);
    this.active.set(jid, job);
    job.on('error-publish', (e: unknown) => this.deps.log.error({ err: e, jid }, 'publishing a job failed; its targets will show as missing'));
    job.once('stopped', (s: RolloutStop) => {
      this.deps.log.warn({ jid, failures: s.failures, max_failures: s.max_failures, not_run: s.not_run.length }, 'rollout stopped: too many failures');
      this.deps.events.fire(`umec/job/${jid}/stopped`, { jid, ...s });
    });
    job.once('done', ({ missing, stopped }: { missing: string[]; stopped?: RolloutStop }) => {
      this.deps.events.fire(`umec/job/${jid}/done`, { jid, returned: job.returns.size, missing, ...(stopped ? { stopped } : {}) });
      // late returns are still stored; keep the job findable for a while
      setTimeout(() => this.active.delete(jid), 10 * 60_000).unref();
    });
    this.deps.events.fire(`umec/job/${jid}/new`, { jid, fun: req.fun, tgt: req.tgt, tgt_type: req.tgt_type, targets });
    await job.begin();
    return job;
  }

  /** An authenticated agent's return: stored durably, then true (the caller acknowledges). */
  async onReturn(id: string, m: ReturnMessage): Promise<boolean> {
    const job = this.active.get(m.jid) ?? undefined;
    const targeted = job ? job.isTarget(id) : (await this.deps.store.getJob(m.jid))?.job.targets.includes(id) ?? false;
    if (!targeted) {
      this.deps.log.warn({ agent: id, jid: m.jid }, 'dropped a return for a job the agent was not targeted by');
      return false;
    }
    const rec: ReturnRecord = { jid: m.jid, id, fun: m.fun, ret: m.ret, retcode: m.retcode, success: m.success, receivedAt: new Date().toISOString() };
    const fresh = await this.deps.store.saveReturn(rec);
    if (fresh) {
      this.deps.events.fire(`umec/job/${m.jid}/ret/${id}`, { jid: m.jid, id, fun: m.fun, success: m.success, retcode: m.retcode });
      job?.recorded(rec);
    }
    return true;
  }

  stop(): void {
    for (const j of this.active.values()) j.cancel();
  }
}
