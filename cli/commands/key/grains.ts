import { Args, Flags } from '@oclif/core';
import { MasterCommand } from '../../base-command.js';
import { MasterClient } from '../../master-client.js';

export default class KeyGrains extends MasterCommand {
  static summary = 'Show or set the grains the master trusts for an accepted agent (pillar is compiled from these, never from grains the agent claims)';
  static strict = false;
  static args = { id: Args.string({ description: 'agent id', required: true }) };
  static flags = {
    unset: Flags.string({ description: 'grain to remove (repeatable)', multiple: true, default: [] }),
  };
  static examples = ['umec key grains edge-1 role=db site=north', 'umec key grains edge-1 --unset site', 'umec key grains edge-1'];

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(KeyGrains);
    const { parseGrainPairs } = await import('../../../master/enrol/tokens.js');
    const set = parseGrainPairs((argv as string[]).slice(1), 'a grain');
    const r = await (await MasterClient.fromConfig(flags.config)).call('key.grains', { id: args.id, set, unset: flags.unset });
    if (flags.json) { this.log(JSON.stringify(r, null, 2)); return; }
    for (const [k, v] of Object.entries(r.grains).sort(([a], [b]) => a.localeCompare(b))) this.log(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
}
