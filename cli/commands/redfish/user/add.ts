import { Args, Flags } from '@oclif/core';
import { UmecCommand } from '../../../base-command.js';
import { accountStore, passwordFromStdin, redfishFlags } from '../../../redfish.js';

export default class RedfishUserAdd extends UmecCommand {
  static summary = 'Create a Redfish account on this box (the first Administrator is made this way)';
  static description = 'Without --password-stdin a password is generated and printed once; only its scrypt hash is stored.';
  static args = { name: Args.string({ required: true, description: 'user name' }) };
  static flags = {
    ...redfishFlags,
    role: Flags.string({ options: ['Administrator', 'Operator', 'ReadOnly'], required: true, description: 'Redfish role' }),
    'password-stdin': Flags.boolean({ description: 'read the password from the first line of standard input' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RedfishUserAdd);
    const [{ generatePassword }, { USERNAME_PATTERN }, { UmecError }] = await Promise.all([
      import('../../../../agent/redfish/passwords.js'), import('../../../../agent/redfish/accounts.js'), import('../../../../lib/errors.js')]);
    if (!new RegExp(USERNAME_PATTERN).test(args.name)) throw new UmecError('USAGE', { reason: `user name ${args.name} must match ${USERNAME_PATTERN}` });
    const password = flags['password-stdin'] ? await passwordFromStdin() : generatePassword();
    const store = await accountStore(flags.config);
    const a = await store.create({ username: args.name, password, role: flags.role as 'Administrator' });
    const out = { id: a.id, username: a.username, role: a.role, file: store.file, ...(flags['password-stdin'] ? {} : { password }) };
    if (flags.json) { this.log(JSON.stringify(out, null, 2)); return; }
    this.log(`created Redfish account ${a.username} (${a.role}) in ${store.file}`);
    if (!flags['password-stdin']) this.log(`password (shown once, not stored): ${password}`);
  }
}
