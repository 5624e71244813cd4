import { Args } from '@oclif/core';
import { UmecCommand } from '../base-command.js';
import { jobFlags, runJobCommand } from '../job-command.js';

export default class Grains extends UmecCommand {
  static summary = 'Show the grains of the targeted agents';
  static args = { target: Args.string({ required: true, description: 'target (glob on ids unless -L/-G/-C/-E)' }) };
  static flags = { ...jobFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Grains);
    process.exitCode = await runJobCommand('grains', args.target, {}, flags);
  }
}
