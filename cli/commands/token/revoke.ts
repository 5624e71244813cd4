import { Args, Command, Flags } from '@oclif/core';
import { reportInputError } from '../../errors.js';
import { configFlag, MasterClient } from '../../master-client.js';

export default class TokenRevoke extends Command {
  static summary = 'Revoke an enrolment token by its id (as token list shows it)';
  static args = { id: Args.string({ description: 'token id', required: true }) };
  static flags = { ...configFlag, json: Flags.boolean({ description: 'print JSON' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(TokenRevoke);
    try {
      const r = await (await MasterClient.fromConfig(flags.config)).call('token.revoke', { id: args.id });
      if (flags.json) this.log(JSON.stringify(r));
      else this.log(r.revoked ? `Token ${args.id} revoked.` : `No token ${args.id}.`);
      if (!r.revoked) process.exitCode = 1;
    } catch (e) {
      process.exitCode = reportInputError(e, flags.json);
    }
  }
}
