import { CompileError, formatProblem } from '../lib/errors.js';
import type { JobMessage, ReturnMessage } from '../lib/messages.js';
import type { StateEngine } from './engine.js';
import { LocalSlsSource } from './sls/tree.js';
import type { CommandRunner } from './types.js';

export interface JobContext {
  grains: () => Record<string, unknown>;
  /** Syncs the state tree from the master; returns its local directory. */
  tree: () => Promise<string>;
  pillar: () => Promise<Record<string, unknown>>;
  engine: () => Promise<StateEngine>;
  exec: CommandRunner;
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
        });
        const ok = Object.values(results).every((r) => r.result !== false);
        return { ...base, ret: results, retcode: ok ? 0 : 1, success: ok };
      } catch (e) {
        if (e instanceof CompileError) return { ...base, ret: e.problems.map(formatProblem), retcode: 2, success: false };
        return { ...base, ret: [`${(e as Error).message}`], retcode: 1, success: false };
      }
    }
    default:
      return { ...base, ret: `this agent does not know the function ${JSON.stringify(job.fun)}`, retcode: 1, success: false };
  }
}
