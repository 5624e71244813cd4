import { Args } from '@oclif/core';
import { MasterCommand } from '../../base-command.js';
import { MasterClient } from '../../master-client.js';

export default class TokenRevoke extends MasterCommand {
  static summary = 'Revoke an enrolment token by its id (as token list shows it)';
  static args = { id: Args.string({ description: 'token id', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(TokenRevoke);
    const r = await (await MasterClient.fromConfig(flags.config)).call('token.revoke', { id: args.id });
    if (flags.json) this.log(JSON.stringify(r));
    else this.log(r.revoked ? `Token ${args.id} revoked.` : `No token ${args.id}.`);
    if (!r.revoked) process.exitCode = 1;
  }
}
