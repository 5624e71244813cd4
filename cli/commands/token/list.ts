import { Command, Flags } from '@oclif/core';
import { reportInputError } from '../../errors.js';
import { configFlag, MasterClient } from '../../master-client.js';

export default class TokenList extends Command {
  static summary = 'List enrolment tokens (ids, status, uses, expiry; never the tokens)';
  static flags = { ...configFlag, json: Flags.boolean({ description: 'print JSON' }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(TokenList);
    try {
      const list = await (await MasterClient.fromConfig(flags.config)).call('token.list');
      if (flags.json) { this.log(JSON.stringify(list, null, 2)); return; }
      if (!list.length) { this.log('No tokens.'); return; }
      this.log(['ID', 'STATUS', 'USED', 'EXPIRES', 'GRAINS', 'USED BY'].join('\t'));
      for (const t of list) {
        const grains = Object.entries(t.grains).map(([k, v]) => `${k}=${v}`).join(',') || '-';
        this.log([t.id, t.status, `${t.used_by.length}/${t.uses}`, t.expires, grains, t.used_by.join(',') || '-'].join('\t'));
      }
    } catch (e) {
      process.exitCode = reportInputError(e, flags.json);
    }
  }
}
