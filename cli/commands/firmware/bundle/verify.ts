import { Args, Flags } from '@oclif/core';
import { UmecCommand } from '../../../base-command.js';

export default class FirmwareBundleVerify extends UmecCommand {
  static summary = 'Check a bundle\'s signature against a keyring and every image\'s size and sha256';
  static args = { bundle: Args.string({ description: 'bundle file', required: true }) };
  static flags = {
    keyring: Flags.string({ description: 'directory of trusted public keys (*.pub)', required: true }),
    compatible: Flags.string({ description: 'also check the bundle is made for this board' }),
    json: Flags.boolean({ description: 'print JSON' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(FirmwareBundleVerify);
    const [{ inspectBundleFile }, { loadKeyring }] = await Promise.all([
      import('../../../../firmware/bundle.js'), import('../../../../firmware/keys.js')]);
    const keyring = await loadKeyring(flags.keyring);
    const check = flags.compatible ? (m: { compatible: string }) => (m.compatible === flags.compatible ? undefined : `made for ${m.compatible}`) : undefined;
    const r = await inspectBundleFile(args.bundle, { keyring, ...(check ? { check } : {}) });
    if (flags.json) process.stdout.write(`${JSON.stringify({ bundle: args.bundle, ok: true, key: r.keyId, manifest: r.manifest })}\n`);
    else {
      process.stdout.write(`${args.bundle}: OK, signed by ${r.keyId}; ${r.manifest.compatible} ${r.manifest.version}\n`);
      for (const i of r.images) process.stdout.write(`  ${i.slot.padEnd(8)} ${i.file} ${i.size} bytes sha256 ${i.sha256}\n`);
    }
  }
}
