import { Args, Flags } from '@oclif/core';
import { UmecCommand } from '../base-command.js';
import { jobFlags, runJobCommand, targetArg } from '../job-command.js';

export default class Apply extends UmecCommand {
  static summary = 'Apply states on the targeted agents (the highstate when no SLS is given)';
  static strict = false;
  static args = {
    target: targetArg,
    sls: Args.string({ description: 'SLS names' }),
  };
  static flags = { ...jobFlags, test: Flags.boolean({ description: 'dry run: predict changes' }) };
  static examples = ["<%= config.bin %> apply 'edge-*' web", "<%= config.bin %> apply -C 'G@role:camera and not edge-9' --test"];

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(Apply);
    const sls = (argv as string[]).slice(1);
    process.exitCode = await runJobCommand('apply', args.target, { sls, test: flags.test }, flags);
  }
}
