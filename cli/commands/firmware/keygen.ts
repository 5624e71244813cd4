import { Args, Flags } from '@oclif/core';
import { UmecCommand } from '../../base-command.js';

export default class FirmwareKeygen extends UmecCommand {
  static summary = 'Make an ed25519 signing key pair for firmware bundles';
  static description = 'Writes NAME.key (secret, mode 0600: keep it off the boxes) and NAME.pub (put it in the boxes\' keyring directory). Never replaces an existing key.';
  static args = { name: Args.string({ description: 'path prefix of the key files', required: true }) };
  static flags = { json: Flags.boolean({ description: 'print JSON' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(FirmwareKeygen);
    const { generateSigningKey } = await import('../../../firmware/keys.js');
    const r = await generateSigningKey(args.name);
    process.stdout.write(flags.json ? `${JSON.stringify(r)}\n` : `key ${r.id}\n  secret ${r.key}\n  public ${r.pub}\n`);
  }
}
