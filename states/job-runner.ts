import { CompileError, formatProblem, UmecError } from '../lib/errors.js';
import type { JobMessage, ReturnMessage } from '../lib/messages.js';
import type { StateEngine } from './engine.js';
import { LocalSlsSource } from './sls/tree.js';
import type { CommandRunner, LowChunk, RunResults } from './types.js';

export interface JobContext {
  grains: () => Record<string, unknown>;
  /** Syncs the state tree from the master; returns its local directory. */
  tree: () => Promise<string>;
  pillar: () => Promise<Record<string, unknown>>;
  engine: () => Promise<StateEngine>;
  exec: CommandRunner;
  /** Aborted when the agent stops: a state run ends between two states and says so in its return. */
  signal?: AbortSignal;
  /** Called before each state of an apply runs (what a job journal records as reached). */
  onState?: (chunk: LowChunk, index: number, total: number) => void;
}

/** Runs one job on this box and builds its return. */
export async function runJob(job: JobMessage, ctx: JobContext): Promise<ReturnMessage> {
  const base = { jid: job.jid, fun: job.fun };
  switch (job.fun) {
    case 'ping':
      return { ...base, ret: true, retcode: 0, success: true };
    case 'grains':
      return { ...base, ret: ctx.grains(), retcode: 0, success: true };
    case 'run': {
      const r = await ctx.exec.run(job.args.cmd ?? []).catch((e: Error) => ({ code: 127, stdout: '', stderr: e.message }));
      const out = [r.stdout.trimEnd(), r.stderr.trimEnd()].filter(Boolean).join('\n');
      const retcode = r.code ?? 1;
      return { ...base, ret: out, retcode, success: retcode === 0 };
    }
    case 'apply': {
      try {
        const [treeDir, pillar] = await Promise.all([ctx.tree(), ctx.pillar()]);
        const results = await (await ctx.engine()).apply({
          source: new LocalSlsSource(treeDir), sls: job.args.sls ?? [], grains: ctx.grains(), pillar, test: job.args.test,
          immutableTree: true, // tree dirs are named by the manifest hash
          signal: ctx.signal, onState: ctx.onState,
        });
        const ok = Object.values(results).every((r) => r.result !== false);
        return { ...base, ret: results, retcode: ok ? 0 : 1, success: ok };
      } catch (e) {
        if (e instanceof CompileError) return { ...base, ret: e.problems.map(formatProblem), retcode: 2, success: false };
        if (e instanceof UmecError && e.code === 'JOB_INTERRUPTED') {
          // what ran is reported as Salt shows it, and one failed pseudo-state says where the run stopped
          const results = e.details.results as RunResults;
          const stop = {
            name: 'interrupted', result: false, changes: {}, comment: e.message, duration: 0, start_time: '',
            __run_num__: Object.keys(results).length, __sls__: '', __id__: 'interrupted',
          };
          return { ...base, ret: { ...results, 'umec_|-interrupted_|-interrupted_|-stop': stop }, retcode: 1, success: false };
        }
        return { ...base, ret: [`${(e as Error).message}`], retcode: 1, success: false };
      }
    }
    default:
      return { ...base, ret: `this agent does not know the function ${JSON.stringify(job.fun)}`, retcode: 1, success: false };
  }
}
