import { Args } from '@oclif/core';
import type { JobFun } from '../../../lib/messages.js';
import { MasterCommand } from '../../base-command.js';
import { formatJobSummary, formatReturn } from '../../format/returns.js';
import { MasterClient } from '../../master-client.js';

export default class JobShow extends MasterCommand {
  static summary = 'Show a job and every return stored for it';
  static args = { jid: Args.string({ required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(JobShow);
    const found = await (await MasterClient.fromConfig(flags.config)).call('job.show', { jid: args.jid });
    if (!found) { process.stderr.write(`No job ${args.jid} in the job cache\n`); process.exitCode = 1; return; }
    const returned = new Set(found.returns.map((r) => r.id));
    const missing = found.job.targets.filter((id) => !returned.has(id));
    if (flags.json) {
      this.log(JSON.stringify({ jid: found.job.jid, job: found.job, returns: Object.fromEntries(found.returns.map((r) => [r.id, r.ret])), missing }, null, 2));
      return;
    }
    for (const r of found.returns) this.log(formatReturn({ ...r, fun: r.fun as JobFun }, { color: process.stdout.isTTY === true }));
    this.log(formatJobSummary({ targeted: found.job.targets.length, returned: found.returns.length, failed: found.returns.filter((r) => !r.success).length, missing }));
  }
}
