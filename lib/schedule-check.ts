import { UmecError } from './errors.js';
import { cronProblem } from './scheduler.js';

/** Cron expressions are checked with the rest of the config: a typo fails at start, naming file and entry. */
export function checkScheduleCron(file: string, schedule: Record<string, { cron: string; function: string; args?: object }>): void {
  const problems: string[] = [];
  for (const [name, e] of Object.entries(schedule ?? {})) {
    const p = cronProblem(e.cron);
    if (p) problems.push(`${file}: schedule.${name}.cron ${JSON.stringify(e.cron)} is not a cron expression (${p})`);
    if (e.function === 'run' && !(e.args as { cmd?: unknown })?.cmd) problems.push(`${file}: schedule.${name}.args.cmd is required for function run`);
  }
  if (problems.length) throw new UmecError('CONFIG', { file, reason: `invalid configuration:\n  ${problems.join('\n  ')}` });
}
