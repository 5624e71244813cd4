import { Args } from '@oclif/core';
import { UmecCommand } from '../../base-command.js';
import { rosterFlags, runRosterCommand } from '../../roster-command.js';

export default class RosterRun extends UmecCommand {
  static summary = 'Run a command on roster hosts over SSH: umec roster run TARGET -- CMD ARGS...';
  static strict = false;
  static args = { target: Args.string({ required: true, description: 'target (glob on roster ids unless -L/-G/-C/-E)' }) };
  static flags = { ...rosterFlags };

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(RosterRun);
    const cmd = (argv as string[]).slice(1);
    if (!cmd.length) this.error('give the command after --, e.g. umec roster run "*" -- uptime', { exit: 2 });
    process.exitCode = await runRosterCommand(args.target, { fun: 'run', args: { cmd } }, flags);
  }
}
