import { Command, Flags } from '@oclif/core';
import { reportInputError } from '../../errors.js';
import { configFlag, MasterClient } from '../../master-client.js';

export default class KeyMaster extends Command {
  static summary = "Print the master's public key (agents need it as master_pubkey)";
  static flags = { ...configFlag, json: Flags.boolean({ description: 'print JSON' }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(KeyMaster);
    try {
      const info = await (await MasterClient.fromConfig(flags.config)).call('master.info');
      this.log(flags.json ? JSON.stringify(info) : info.pubkey);
    } catch (e) {
      process.exitCode = reportInputError(e, flags.json);
    }
  }
}
