import { Args } from '@oclif/core';
import { UmecCommand } from '../../base-command.js';
import { rosterFlags, runRosterCommand } from '../../roster-command.js';

export default class RosterPing extends UmecCommand {
  static summary = 'Check which roster hosts answer over SSH (runs the thin bundle, uploading it when needed)';
  static args = { target: Args.string({ required: true, description: 'target (glob on roster ids unless -L/-G/-C/-E)' }) };
  static flags = { ...rosterFlags };
  static examples = ["<%= config.bin %> roster ping 'edge-*' --roster ./roster.yaml"];

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RosterPing);
    process.exitCode = await runRosterCommand(args.target, { fun: 'ping', args: {} }, flags);
  }
}
