import { Args, Flags } from '@oclif/core';
import { MasterCommand } from '../../base-command.js';
import { MasterClient } from '../../master-client.js';

export default class AppAllow extends MasterCommand {
  static summary = 'Grant (or --revoke) exceptions to the app package policy for one app: host_network, host_namespace, user_root, cap:NAME, host_path:/path';
  static strict = false;
  static args = { name: Args.string({ description: 'app name (as in its app.yaml)', required: true }) };
  static flags = { revoke: Flags.string({ description: 'exception to take back (repeatable)', multiple: true, default: [] }) };
  static examples = ['umec app allow cam cap:NET_ADMIN host_path:/dev/video0', 'umec app allow cam --revoke cap:NET_ADMIN', 'umec app allow cam'];

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(AppAllow);
    const r = await (await MasterClient.fromConfig(flags.config)).call('app.allow', { name: args.name, allow: (argv as string[]).slice(1), revoke: flags.revoke });
    if (flags.json) { this.log(JSON.stringify(r, null, 2)); return; }
    this.log(r.allowed.length ? `${r.name} may: ${r.allowed.join(' ')}` : `${r.name} has no exceptions to the package policy`);
  }
}
