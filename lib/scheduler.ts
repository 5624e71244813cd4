import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from './log.js';

/** One schedule entry, common to master.yaml and agent.yaml. */
export interface ScheduleSpec {
  /** Cron expression, 5 fields or 6 with seconds first. */
  cron: string;
  /** Up to this many seconds of random delay per run, so a fleet does not fire at once. */
  splay: number;
  enabled: boolean;
}

export interface ScheduleRun { at: string; ok: boolean; jid?: string; error?: string; skipped?: string }

export interface ScheduleStatus {
  name: string;
  cron: string;
  splay: number;
  enabled: boolean;
  next?: string;
  last?: ScheduleRun;
  runs: number;
}

/** The problems node-cron finds in an expression, or undefined when it is good. */
export function cronProblem(expr: string): string | undefined {
  const v = cron.validateDetailed(expr);
  if (v.valid) return undefined;
  return v.errors.map((e) => `${e.field}${e.value !== undefined ? ` ${JSON.stringify(e.value)}` : ''}: ${e.message}`).join('; ') || 'not a cron expression';
}

/**
 * Named cron jobs on node-cron: no overlapping runs of one entry (a slow
 * highstate is not started twice), splay as a random delay, the last run of
 * each kept for `umec schedule list`. `run` returns the jid it made, if any.
 */
export class Scheduler {
  private readonly tasks = new Map<string, { spec: ScheduleSpec; task?: ScheduledTask; last?: ScheduleRun; runs: number }>();

  constructor(private readonly log: Logger, private readonly onRun?: (name: string, r: ScheduleRun) => void) {}

  add(name: string, spec: ScheduleSpec, run: () => Promise<string | undefined>): void {
    const problem = cronProblem(spec.cron);
    if (problem) throw new Error(`schedule ${name}: bad cron expression ${JSON.stringify(spec.cron)}: ${problem}`);
    const entry: { spec: ScheduleSpec; task?: ScheduledTask; last?: ScheduleRun; runs: number } = { spec, runs: 0 };
    this.tasks.set(name, entry);
    if (!spec.enabled) return;
    const log = this.log;
    entry.task = cron.createTask(spec.cron, async () => {
      const at = new Date().toISOString();
      entry.runs++;
      try {
        const jid = await run();
        entry.last = { at, ok: true, ...(jid ? { jid } : { skipped: 'nothing to run (no target matched)' }) };
      } catch (e) {
        entry.last = { at, ok: false, error: (e as Error).message };
        log.error({ err: e, schedule: name }, 'scheduled job failed to start');
      }
      this.onRun?.(name, entry.last);
    }, {
      name, noOverlap: true, maxRandomDelay: Math.round(spec.splay * 1000), unref: true,
      logger: {
        info: (m) => log.debug({ schedule: name }, m), warn: (m) => log.warn({ schedule: name }, m),
        error: (m) => log.error({ schedule: name }, String(m)), debug: (m) => log.trace({ schedule: name }, String(m)),
      },
    });
  }

  async start(): Promise<void> {
    for (const e of this.tasks.values()) await e.task?.start();
  }

  list(): ScheduleStatus[] {
    return [...this.tasks].map(([name, e]) => {
      const next = e.task?.getNextRun() ?? e.task?.getNextRuns(1)[0];
      return {
        name, cron: e.spec.cron, splay: e.spec.splay, enabled: e.spec.enabled, runs: e.runs,
        ...(next ? { next: next.toISOString() } : {}), ...(e.last ? { last: e.last } : {}),
      };
    });
  }

  async stop(): Promise<void> {
    for (const e of this.tasks.values()) await e.task?.destroy();
  }
}

/** What a schedule would do, without running it: for `umec schedule list --agent-config`. */
export function previewSchedule(entries: Record<string, ScheduleSpec>): ScheduleStatus[] {
  return Object.entries(entries).map(([name, e]) => {
    let next: string | undefined;
    if (e.enabled && !cronProblem(e.cron)) {
      const t = cron.createTask(e.cron, () => undefined);
      next = t.getNextRuns(1)[0]?.toISOString();
      void t.destroy();
    }
    return { name, cron: e.cron, splay: e.splay, enabled: e.enabled, runs: 0, ...(next ? { next } : {}) };
  });
}
