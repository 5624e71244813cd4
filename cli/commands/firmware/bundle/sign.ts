import { Args, Flags } from '@oclif/core';
import { UmecCommand } from '../../../base-command.js';

export default class FirmwareBundleSign extends UmecCommand {
  static summary = 'Sign a firmware bundle (in place) with an ed25519 key';
  static args = { bundle: Args.string({ description: 'bundle file', required: true }) };
  static flags = {
    key: Flags.string({ char: 'k', description: 'secret key file (from umec firmware keygen)', required: true }),
    json: Flags.boolean({ description: 'print JSON' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(FirmwareBundleSign);
    const [{ signBundle }, { loadSigningKey }, { createPublicKey }] = await Promise.all([
      import('../../../../firmware/bundle.js'), import('../../../../firmware/keys.js'), import('node:crypto')]);
    const key = await loadSigningKey(flags.key);
    const r = await signBundle(args.bundle, key, createPublicKey(key));
    process.stdout.write(flags.json ? `${JSON.stringify({ bundle: args.bundle, key: r.keyId, version: r.manifest.version })}\n`
      : `${args.bundle}: signed with key ${r.keyId}\n`);
  }
}
