import { Args, Flags } from '@oclif/core';
import { UmecCommand } from '../../../base-command.js';
import { accountStore, passwordFromStdin, redfishFlags } from '../../../redfish.js';

export default class RedfishUserPasswd extends UmecCommand {
  static summary = 'Set a new password for a Redfish account (recovery when the Administrator password is lost)';
  static args = { name: Args.string({ required: true, description: 'user name' }) };
  static flags = { ...redfishFlags, 'password-stdin': Flags.boolean({ description: 'read the password from the first line of standard input' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RedfishUserPasswd);
    const [{ generatePassword }, { UmecError }] = await Promise.all([import('../../../../agent/redfish/passwords.js'), import('../../../../lib/errors.js')]);
    const store = await accountStore(flags.config);
    const a = store.byName(args.name);
    if (!a) throw new UmecError('REDFISH_ACCOUNT', { username: args.name, reason: `does not exist in ${store.file}` });
    const password = flags['password-stdin'] ? await passwordFromStdin() : generatePassword();
    await store.update(a.id, { password });
    if (flags.json) { this.log(JSON.stringify({ username: a.username, ...(flags['password-stdin'] ? {} : { password }) }, null, 2)); return; }
    this.log(`new password for ${a.username} stored`);
    if (!flags['password-stdin']) this.log(`password (shown once, not stored): ${password}`);
  }
}
