import { Args } from '@oclif/core';
import { MasterCommand } from '../../base-command.js';
import { MasterClient } from '../../master-client.js';

export default class KeyFinger extends MasterCommand {
  static summary = 'Print key fingerprints (like salt-key -F): compare them with what each agent logs at start before accepting';
  static args = { id: Args.string({ description: 'only this agent' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(KeyFinger);
    const f = await (await MasterClient.fromConfig(flags.config)).call('key.finger');
    const agents = Object.entries(f.agents).filter(([id]) => !args.id || id === args.id);
    if (args.id && !agents.length) { process.stderr.write(`No key for ${args.id}\n`); process.exitCode = 1; return; }
    if (flags.json) { this.log(JSON.stringify({ master: f.master, agents: Object.fromEntries(agents) }, null, 2)); return; }
    if (!args.id) this.log(`Local Keys:\nmaster.pub:  ${f.master}`);
    for (const state of ['accepted', 'pending', 'rejected']) {
      const rows = agents.filter(([, v]) => v.state === state);
      if (!rows.length) continue;
      this.log(`${state === 'accepted' ? 'Accepted' : state === 'pending' ? 'Unaccepted' : 'Rejected'} Keys:`);
      for (const [id, v] of rows) this.log(`${id}:  ${v.fingerprint}`);
    }
  }
}
