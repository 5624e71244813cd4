import type { JobFun } from '../../lib/messages.js';
import type { RunResults } from '../../states/types.js';
import { formatHighstate, type StateOutput } from './highstate.js';
import { nested } from './nested.js';

export interface ReturnLine { id: string; fun: JobFun; ret: unknown; retcode: number; success: boolean }

/** One agent's return in the shape Salt's outputters print it. */
export function formatReturn(r: ReturnLine, o: { color: boolean; output?: StateOutput }): string {
  if (r.fun === 'apply') {
    if (Array.isArray(r.ret)) return [`${r.id}:`, '    Data failed to compile:', ...r.ret.map((e) => `----------\n    ${String(e)}`)].join('\n');
    return formatHighstate(r.id, r.ret as RunResults, { color: o.color, output: o.output ?? 'full' });
  }
  if (r.fun === 'run') return [`${r.id}:`, ...String(r.ret).split('\n').map((l) => `    ${l}`)].join('\n');
  return [`${r.id}:`, ...nested(r.ret, 4)].join('\n');
}

export function formatJobSummary(s: { targeted: number; returned: number; failed: number; missing: string[];
  stopped?: { failures: number; max_failures: string; not_run: string[] } }): string {
  const bar = '-------------------------------------------';
  return [bar, 'Summary', bar,
    `# of agents targeted: ${s.targeted}`,
    `# of agents returned: ${s.returned}`,
    `# of agents that did not return: ${s.missing.length}`,
    `# of failed agents: ${s.failed}`,
    bar,
    ...(s.missing.length ? [`Agents that did not return: ${s.missing.join(', ')}`] : []),
    ...(s.stopped ? [
      `Rollout stopped: ${s.stopped.failures} failures passed --max-failures ${s.stopped.max_failures}; ${s.stopped.not_run.length} agents were not sent the job${s.stopped.not_run.length ? `: ${s.stopped.not_run.join(', ')}` : ''}`,
    ] : []),
  ].join('\n');
}
