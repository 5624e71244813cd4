import { Flags } from '@oclif/core';
import { MasterCommand } from '../../base-command.js';
import { MasterClient } from '../../master-client.js';

export default class JobList extends MasterCommand {
  static summary = 'List recent jobs from the job cache';
  static flags = { limit: Flags.integer({ description: 'how many', default: 50, min: 1 }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(JobList);
    const jobs = await (await MasterClient.fromConfig(flags.config)).call('job.list', { limit: flags.limit });
    if (flags.json) { this.log(JSON.stringify(jobs, null, 2)); return; }
    for (const j of jobs) {
      const args = j.fun === 'run' ? (j.args as { cmd?: string[] }).cmd?.join(' ') : j.fun === 'apply' ? ((j.args as { sls?: string[] }).sls ?? []).join(' ') || '(highstate)' : '';
      this.log(`${j.jid}  ${j.fun.padEnd(6)} ${j.target.expr} (${j.target.type})  ${j.returned}/${j.expected} returned  ${j.startedAt}${args ? `  ${args}` : ''}`);
    }
  }
}
