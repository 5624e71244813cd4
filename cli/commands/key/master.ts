import { MasterCommand } from '../../base-command.js';
import { MasterClient } from '../../master-client.js';

export default class KeyMaster extends MasterCommand {
  static summary = "Print the master's public key (agents need it as master_pubkey)";

  async run(): Promise<void> {
    const { flags } = await this.parse(KeyMaster);
    const info = await (await MasterClient.fromConfig(flags.config)).call('master.info');
    this.log(flags.json ? JSON.stringify(info) : info.pubkey);
  }
}
