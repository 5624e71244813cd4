import { Flags } from '@oclif/core';
import { newJid } from '../master/jobcache/store.js';
import type { JobFun } from '../lib/messages.js';
import type { RosterCompiler } from '../roster/compile.js';
import { KnownHosts } from '../roster/known-hosts.js';
import { loadRoster } from '../roster/roster-file.js';
import { runRoster } from '../roster/runner.js';
import { selectTargets } from '../roster/targeting.js';
import { loadThinBundle } from '../roster/thin-bundle.js';
import type { StateOutput } from './format/highstate.js';
import { formatJobSummary, formatReturn } from './format/returns.js';
import { jobFlags, targetType } from './job-command.js';

export const rosterFlags = {
  roster: Flags.string({ char: 'r', description: 'roster file (YAML)', env: 'UMEC_ROSTER', default: '/etc/umec/roster' }),
  list: jobFlags.list, grain: jobFlags.grain, compound: jobFlags.compound, pcre: jobFlags.pcre,
  'max-procs': Flags.integer({ description: 'hosts worked on at once', default: 25, min: 1 }),
  'accept-new': Flags.boolean({ description: 'record the host key of hosts not yet in known_hosts (a changed key is always refused)' }),
  'known-hosts': Flags.string({ description: 'known_hosts file (default: the roster\'s known_hosts, else ~/.ssh/known_hosts)' }),
  timeout: Flags.integer({ char: 't', description: 'seconds one host may take once connected', default: 600, min: 1 }),
  json: jobFlags.json,
  'state-output': jobFlags['state-output'],
};

export interface RosterFlags {
  roster: string; list: boolean; grain: boolean; compound: boolean; pcre: boolean;
  'max-procs': number; 'accept-new': boolean; 'known-hosts'?: string; timeout: number; json: boolean; 'state-output': string;
}

export interface RosterCommandJob {
  fun: JobFun;
  args: { cmd?: string[] };
  test?: boolean;
  /** Built once the roster is loaded (apply only). */
  compiler?: () => Promise<RosterCompiler>;
}

/**
 * Runs a job over SSH on the roster entries the target names and prints the
 * same output as the ZeroMQ commands: returns as they arrive, a summary, or
 * {"jid","returns","missing"} with --json. Exit: 0 all succeeded, 1 a host
 * failed, 2 usage or input errors (nothing matched, bad roster).
 */
export async function runRosterCommand(tgt: string, job: RosterCommandJob, flags: RosterFlags): Promise<number> {
  const color = process.stdout.isTTY === true;
  const live = !flags.json && process.stderr.isTTY === true;
  const roster = await loadRoster(flags.roster, { knownHosts: flags['known-hosts'] });
  const targets = selectTargets(roster, tgt, targetType(flags));
  if (!targets.length) {
    process.stderr.write(`No roster entry in ${flags.roster} matched the target. Nothing was run.\n`);
    if (flags.json) process.stdout.write(`${JSON.stringify({ jid: '', returns: {}, missing: [] }, null, 2)}\n`);
    return 2;
  }
  const [bundle, compiler] = await Promise.all([loadThinBundle(), job.compiler?.()]);
  const knownHosts = new Map<string, KnownHosts>();
  const jid = newJid();
  const returns: Record<string, unknown> = {};
  let failed = 0;
  // one KnownHosts per file, shared by the entries that name it
  const khFor = (file: string) => { let k = knownHosts.get(file); if (!k) knownHosts.set(file, k = new KnownHosts(file)); return k; };
  await runRoster(targets, { fun: job.fun, args: job.args, compiler, test: job.test }, {
    bundle, knownHosts: (e) => khFor(e.known_hosts), acceptNew: flags['accept-new'], maxProcs: flags['max-procs'], timeoutSec: flags.timeout,
    onReturn: (id, r) => {
      returns[id] = r.ret;
      if (!r.success) failed++;
      if (live) process.stderr.write('\r\x1b[K');
      if (!flags.json) {
        const line = { id, fun: job.fun, ret: r.ret, retcode: r.retcode, success: r.success };
        const text = r.retcode === 255 ? `${id}:\n    ${String(r.ret)}` : formatReturn(line, { color, output: flags['state-output'] as StateOutput });
        process.stdout.write(`${text}\n`);
      }
      if (live) process.stderr.write(`[${Object.keys(returns).length}/${targets.length} returned]`);
    },
  });
  if (live) process.stderr.write('\r\x1b[K');
  if (flags.json) process.stdout.write(`${JSON.stringify({ jid, returns, missing: [] }, null, 2)}\n`);
  else process.stdout.write(`${formatJobSummary({ targeted: targets.length, returned: Object.keys(returns).length, failed, missing: [] })}\n`);
  return failed ? 1 : 0;
}
