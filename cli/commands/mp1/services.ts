import { Args, Flags } from '@oclif/core';
import { MasterCommand } from '../../base-command.js';
import { MasterClient } from '../../master-client.js';

export default class Mp1Services extends MasterCommand {
  static summary = 'List the Mp1 services registered on the targeted boxes (as their agents last reported)';
  static args = { target: Args.string({ required: true, description: 'target (glob on ids unless -L/-G/-C/-E)' }) };
  static flags = {
    list: Flags.boolean({ char: 'L', description: 'target is a comma-separated list of ids' }),
    grain: Flags.boolean({ char: 'G', description: 'target is grain:value' }),
    compound: Flags.boolean({ char: 'C', description: 'compound target' }),
    pcre: Flags.boolean({ char: 'E', description: 'target is a regular expression on ids' }),
    json: Flags.boolean({ description: 'print {box: {services, lastSeen}}' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Mp1Services);
    const chosen = (['list', 'grain', 'compound', 'pcre'] as const).filter((k) => flags[k]);
    if (chosen.length > 1) this.error(`choose one of -L, -G, -C, -E (got ${chosen.join(', ')})`, { exit: 2 });
    const boxes = await (await MasterClient.fromConfig(flags.config)).call('mp1.services', { tgt: args.target, tgt_type: chosen[0] ?? 'glob' });
    if (flags.json) { this.log(JSON.stringify(boxes, null, 2)); return; }
    const ids = Object.keys(boxes).sort();
    if (!ids.length) { process.stderr.write('No agents matched the target.\n'); return; }
    for (const id of ids) {
      const b = boxes[id];
      if (b.services === null) { this.log(`${id}: no Mp1 server reported`); continue; }
      this.log(`${id}: ${b.services.length} service${b.services.length === 1 ? '' : 's'}`);
      for (const s of b.services) this.log(`    ${String(s.serName)} ${String(s.version)} ${String(s.state)}  app=${String(s.appInstanceId)} id=${String(s.serInstanceId)}`);
    }
  }
}
