import { Args } from '@oclif/core';
import { UmecCommand } from '../base-command.js';
import { jobFlags, runJobCommand } from '../job-command.js';

export default class Ping extends UmecCommand {
  static summary = 'Check which targeted agents answer (test.ping)';
  static args = { target: Args.string({ required: true, description: 'target (glob on ids unless -L/-G/-C/-E)' }) };
  static flags = { ...jobFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Ping);
    process.exitCode = await runJobCommand('ping', args.target, {}, flags);
  }
}
