import type { WireRequest } from '../../lib/wire-ops.js';
import type { EventBus } from '../events.js';
import type { JobStore } from '../jobcache/store.js';

/**
 * A job an agent ran on its own (its commissioning highstate or an agent.yaml
 * schedule), reported once it is done: job and return go into the job cache
 * like any other job. Delivered from the agent's outbox, so it may arrive
 * twice or late; the jid is the agent's.
 */
export type LocalJobReport = WireRequest<'local_job'>;

/** What the schema (lib/wire-ops.ts) cannot say about a report; undefined when it is good. */
export function localJobProblem(r: LocalJobReport): string | undefined {
  return Number.isFinite(Date.parse(r.startedAt)) ? undefined : 'bad startedAt';
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
