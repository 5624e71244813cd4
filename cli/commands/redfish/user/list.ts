import { UmecCommand } from '../../../base-command.js';
import { accountStore, redfishFlags } from '../../../redfish.js';

export default class RedfishUserList extends UmecCommand {
  static summary = 'List the Redfish accounts of this box';
  static flags = redfishFlags;

  async run(): Promise<void> {
    const { flags } = await this.parse(RedfishUserList);
    const accounts = (await accountStore(flags.config)).list().map((a) => ({ id: a.id, username: a.username, role: a.role, enabled: a.enabled }));
    if (flags.json) { this.log(JSON.stringify(accounts, null, 2)); return; }
    for (const a of accounts) this.log(`${a.id.padStart(3)}  ${a.username.padEnd(20)} ${a.role.padEnd(14)} ${a.enabled ? 'enabled' : 'disabled'}`);
  }
}
