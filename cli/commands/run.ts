import { UmecCommand } from '../base-command.js';
import { jobFlags, runJobCommand, targetArg } from '../job-command.js';

export default class Run extends UmecCommand {
  static summary = 'Run a command on the targeted agents: umec run TARGET -- CMD ARGS...';
  static strict = false;
  static args = { target: targetArg };
  static flags = { ...jobFlags };

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(Run);
    const cmd = (argv as string[]).slice(1);
    if (!cmd.length) this.error('give the command after --, e.g. umec run "*" -- uptime', { exit: 2 });
    process.exitCode = await runJobCommand('run', args.target, { cmd }, flags);
  }
}
