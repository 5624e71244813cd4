import { MasterCommand } from '../../base-command.js';
import { MasterClient } from '../../master-client.js';

export default class TokenList extends MasterCommand {
  static summary = 'List enrolment tokens (ids, status, uses, expiry; never the tokens)';

  async run(): Promise<void> {
    const { flags } = await this.parse(TokenList);
    const list = await (await MasterClient.fromConfig(flags.config)).call('token.list');
    if (flags.json) { this.log(JSON.stringify(list, null, 2)); return; }
    if (!list.length) { this.log('No tokens.'); return; }
    this.log(['ID', 'STATUS', 'USED', 'EXPIRES', 'GRAINS', 'USED BY'].join('\t'));
    for (const t of list) {
      const grains = Object.entries(t.grains).map(([k, v]) => `${k}=${v}`).join(',') || '-';
      this.log([t.id, t.status, `${t.used_by.length}/${t.uses}`, t.expires, grains, t.used_by.join(',') || '-'].join('\t'));
    }
  }
}
