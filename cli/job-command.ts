import { Args, Flags } from '@oclif/core';
import type { JobArgs, JobFun, TargetType } from '../lib/messages.js';
import { UmecError } from '../lib/errors.js';
import type { StateOutput } from './format/highstate.js';
import { formatJobSummary, formatReturn } from './format/returns.js';
import { masterConfigFlag, UmecCommand } from './base-command.js';
import { MasterClient } from './master-client.js';

/** Seconds the CLI waits past -t for the master to end the job before it stops waiting by itself. */
const DEADLINE_GRACE_S = 5;

export const jobFlags = {
  ...masterConfigFlag,
  list: Flags.boolean({ char: 'L', description: 'target is a comma-separated list of ids' }),
  grain: Flags.boolean({ char: 'G', description: 'target is grain:value' }),
  compound: Flags.boolean({ char: 'C', description: "compound target, e.g. 'G@os:Debian and edge-*'" }),
  pcre: Flags.boolean({ char: 'E', description: 'target is a regular expression on ids' }),
  timeout: Flags.integer({ char: 't', description: 'seconds to wait for returns (default: the master timeout)', min: 1 }),
  batch: Flags.string({ char: 'b', description: 'sliding window: N agents or N% at a time' }),
  'max-failures': Flags.string({ description: 'with --batch: stop the rollout (publish no further batch) once more than N (or N% of the targets) failed or did not return' }),
  json: Flags.boolean({ description: 'print {"jid", "returns", "missing"}' }),
  'state-output': Flags.string({ description: 'apply output detail, as Salt\'s --state-output', options: ['full', 'terse', 'changes'], default: 'full' }),
};

type Flagged = { [K in keyof typeof jobFlags]: unknown } & { config: string; json: boolean; timeout?: number; batch?: string; 'max-failures'?: string; 'state-output': string };

/** The target argument of every job command. */
export const targetArg = Args.string({ required: true, description: 'target (glob on ids unless -L/-G/-C/-E)' });

/** ping / grains: a job without arguments on the targeted agents. */
export function plainJobCommand(fun: 'ping' | 'grains', summary: string) {
  return class extends UmecCommand {
    static summary = summary;
    static args = { target: targetArg };
    static flags = { ...jobFlags };

    async run(): Promise<void> {
      const { args, flags } = await this.parse(this.constructor as never) as unknown as { args: { target: string }; flags: Flagged };
      process.exitCode = await runJobCommand(fun, args.target, {}, flags);
    }
  };
}

export function targetType(f: Pick<Flagged, 'list' | 'grain' | 'compound' | 'pcre'>): TargetType {
  const chosen = (['list', 'grain', 'compound', 'pcre'] as const).filter((k) => f[k] === true);
  if (chosen.length > 1) throw new UmecError('USAGE', { reason: `choose one of -L, -G, -C, -E (got ${chosen.join(', ')})` });
  return chosen[0] ?? 'glob';
}

/**
 * Publishes a job through the master, prints returns as they arrive (with a
 * live count on a terminal), then the summary. Exit code: 0 when every target
 * returned and succeeded, 1 otherwise, 2 on usage errors.
 */
export async function runJobCommand(fun: JobFun, tgt: string, args: JobArgs, flags: Flagged): Promise<number> {
  const returns: Record<string, unknown> = {};
  let targets: string[] = [];
  let missing: string[] = [];
  let stopped: { failures: number; max_failures: string; not_run: string[] } | undefined;
  let failed = 0;
  let jid = '';
  let done = false;
  const live = !flags.json && process.stderr.isTTY === true;
  const color = process.stdout.isTTY === true;
  if (flags['max-failures'] !== undefined && !flags.batch) throw new UmecError('USAGE', { reason: 'choose --batch with --max-failures: without batches every target gets the job at once' });
  // -t bounds the wait on this side too (the master's own end of the job, plus a grace), unless
  // batches make the job longer than one timeout
  const deadline = flags.timeout && !flags.batch ? (flags.timeout + DEADLINE_GRACE_S) * 1000 : undefined;
  const client = (await MasterClient.fromConfig(flags.config)).withDeadline(deadline);
  const request = { fun, args, tgt, tgt_type: targetType(flags), timeout: flags.timeout, batch: flags.batch,
    ...(flags['max-failures'] !== undefined ? { max_failures: flags['max-failures'] } : {}) };
  await client.stream('job.start', { request }, (l) => {
    if (l.type === 'job') {
      jid = l.jid;
      targets = l.targets;
      if (!targets.length) process.stderr.write('No agents matched the target. No command was sent.\n');
    } else if (l.type === 'return') {
      const r = { ...l.ret, fun: l.ret.fun as JobFun };
      returns[r.id] = r.ret;
      if (!r.success) failed++;
      if (live) process.stderr.write('\r\x1b[K');
      if (!flags.json) process.stdout.write(`${formatReturn(r, { color, output: flags['state-output'] as StateOutput })}\n`);
      if (live) process.stderr.write(`[${Object.keys(returns).length}/${targets.length} returned]`);
    } else if (l.type === 'done') {
      done = true;
      missing = l.missing;
      stopped = l.stopped;
    }
  });
  if (live) process.stderr.write('\r\x1b[K');
  if (!done) {
    // the master went away mid-job: whoever has not answered is missing
    missing = targets.filter((id) => !(id in returns));
    process.stderr.write(client.timedOut
      ? `No end of the job from the master within -t ${flags.timeout} s (+${DEADLINE_GRACE_S} s); stopped waiting.\n`
      : 'The master closed the connection before the job finished.\n');
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ jid, returns, missing, ...(stopped ? { stopped } : {}) }, null, 2)}\n`);
  } else if (targets.length) {
    for (const id of missing) process.stdout.write(`${id}:\n    Agent did not return. [No response]\n`);
    process.stdout.write(`${formatJobSummary({ targeted: targets.length, returned: Object.keys(returns).length, failed, missing, ...(stopped ? { stopped } : {}) })}\n`);
  }
  if (client.timedOut && !targets.length) return 1;
  if (!targets.length) return 2;
  return missing.length || failed || stopped ? 1 : 0;
}
