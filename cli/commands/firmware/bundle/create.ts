import { Flags } from '@oclif/core';
import { UmecCommand } from '../../../base-command.js';

export default class FirmwareBundleCreate extends UmecCommand {
  static summary = 'Make an (unsigned) firmware bundle from a manifest and its images';
  static description = 'The manifest names compatible, version and images (slot class and file path, relative to the manifest); sizes and sha256 are computed.';
  static flags = {
    manifest: Flags.string({ char: 'm', description: 'source manifest (YAML)', required: true }),
    out: Flags.string({ char: 'o', description: 'bundle file to write', required: true }),
    json: Flags.boolean({ description: 'print JSON' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(FirmwareBundleCreate);
    const { createBundle } = await import('../../../../firmware/bundle.js');
    const m = await createBundle(flags.manifest, flags.out);
    process.stdout.write(flags.json ? `${JSON.stringify({ bundle: flags.out, manifest: m })}\n`
      : `${flags.out}: ${m.compatible} ${m.version}, ${m.images.length} image(s), unsigned\n`);
  }
}
