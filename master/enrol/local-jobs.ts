import { JOB_FUNS, type JobArgs, type JobFun } from '../../lib/messages.js';
import type { EventBus } from '../events.js';
import { isJid, type JobStore } from '../jobcache/store.js';

/**
 * A job an agent ran on its own (its commissioning highstate or an agent.yaml
 * schedule), reported once it is done: job and return go into the job cache
 * like any other job. Delivered from the agent's outbox, so it may arrive
 * twice or late; the jid is the agent's.
 */
export interface LocalJobReport {
  kind: 'commission' | 'schedule';
  name: string;
  jid: string;
  fun: JobFun;
  args: JobArgs;
  startedAt: string;
  ret: unknown;
  retcode: number;
  success: boolean;
  /** commission: which attempt this was (1, 2, ...). */
  attempt?: number;
}

export function parseLocalJob(b: Record<string, unknown>): LocalJobReport | string {
  if (b.kind !== 'commission' && b.kind !== 'schedule') return 'kind must be commission or schedule';
  if (typeof b.name !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(b.name)) return 'bad name';
  if (!isJid(b.jid)) return 'bad jid';
  if (!JOB_FUNS.includes(b.fun as JobFun)) return 'unknown function';
  if (!b.args || typeof b.args !== 'object') return 'args must be an object';
  if (typeof b.startedAt !== 'string' || !Number.isFinite(Date.parse(b.startedAt))) return 'bad startedAt';
  if (!Number.isInteger(b.retcode) || typeof b.success !== 'boolean') return 'retcode and success are required';
  return b as unknown as LocalJobReport;
}

/** Short, log-safe summary of a state run's return for events. */
export function applySummary(ret: unknown): { states: number; failed: number; changed: number; errors?: string[] } {
  if (Array.isArray(ret)) return { states: 0, failed: 0, changed: 0, errors: ret.map(String).slice(0, 5) };
  if (!ret || typeof ret !== 'object') return { states: 0, failed: 0, changed: 0 };
  const rs = Object.values(ret as Record<string, { result?: unknown; changes?: object }>);
  return {
    states: rs.length,
    failed: rs.filter((r) => r?.result === false).length,
    changed: rs.filter((r) => r?.changes && Object.keys(r.changes).length > 0).length,
  };
}

export async function recordLocalJob(d: { store: JobStore; events: EventBus }, id: string, r: LocalJobReport): Promise<{ ok: boolean; error?: string }> {
  const have = await d.store.getJob(r.jid);
  if (have && !(have.job.targets.length === 1 && have.job.targets[0] === id)) return { ok: false, error: 'jid already taken' };
  const user = `${r.kind}:${r.name}`;
  if (!have) {
    await d.store.saveJob({
      jid: r.jid, fun: r.fun, args: r.args, target: { expr: id, type: 'list' }, targets: [id], user,
      startedAt: r.startedAt, ...(r.args.test ? { test: true } : {}),
    });
    d.events.fire(`umec/job/${r.jid}/new`, { jid: r.jid, fun: r.fun, tgt: id, tgt_type: 'list', targets: [id], user });
  }
  const fresh = await d.store.saveReturn({ jid: r.jid, id, fun: r.fun, ret: r.ret, retcode: r.retcode, success: r.success, receivedAt: new Date().toISOString() });
  if (fresh) d.events.fire(`umec/job/${r.jid}/ret/${id}`, { jid: r.jid, id, fun: r.fun, success: r.success, retcode: r.retcode, user });
  if (r.kind === 'commission') {
    const data = { id, jid: r.jid, attempt: r.attempt, success: r.success, retcode: r.retcode, ...applySummary(r.ret) };
    d.events.fire(r.success ? `umec/agent/${id}/commissioned` : `umec/agent/${id}/commission/failed`, data);
  }
  return { ok: true };
}
