import type { Logger } from '../lib/log.js';
import { Scheduler } from '../lib/scheduler.js';
import type { MasterScheduleEntry } from './config.js';
import { parseJobRequest } from './control.js';
import type { MasterCore } from './core.js';
import { resolveTarget } from './targeting.js';

/**
 * master.yaml `schedule:`: each entry starts an ordinary job (target,
 * function, args) when its cron expression fires; returns land in the job
 * cache and the job record names the schedule (`user: schedule:<name>`).
 */
export function masterScheduler(core: MasterCore, entries: Record<string, MasterScheduleEntry>, log: Logger): Scheduler {
  const s = new Scheduler(log, (name, r) => core.events.fire(`umec/schedule/${name}/${r.ok ? 'run' : 'error'}`, { name, ...r }));
  for (const [name, e] of Object.entries(entries)) {
    const req = parseJobRequest({ fun: e.function, tgt: e.target, tgt_type: e.tgt_type, args: e.args, timeout: e.timeout });
    s.add(name, e, async () => {
      // no job (and no job cache entry every tick) while nothing matches
      if (!resolveTarget(req.tgt, req.tgt_type, core.keys.list().accepted, (id) => core.targetGrains(id)).length) return undefined;
      const job = await core.startJob({ ...req, user: `schedule:${name}` });
      return job.jid;
    });
  }
  return s;
}
