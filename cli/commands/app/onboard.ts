import { resolve } from 'node:path';
import { Args } from '@oclif/core';
import { MasterCommand } from '../../base-command.js';
import { MasterClient } from '../../master-client.js';

export default class AppOnboard extends MasterCommand {
  static summary = 'Validate an app package (directory or tar with app.yaml and image tarballs) and store it on the master';
  static args = { pkg: Args.string({ required: true, description: 'package directory, .tar or .tar.gz' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AppOnboard);
    const r = await (await MasterClient.fromConfig(flags.config)).call('app.onboard', { path: resolve(args.pkg) });
    if (flags.json) { this.log(JSON.stringify(r, null, 2)); return; }
    const size = Object.values(r.app.files).reduce((n, f) => n + f.size, 0);
    this.log(`${r.status === 'unchanged' ? 'Already on-boarded' : 'On-boarded'}: ${r.app.name} ${r.app.version} `
      + `(${r.app.containers.length} containers, ${Object.keys(r.app.images).length} image tarballs, ${(size / 1048576).toFixed(1)} MiB, digest ${r.app.digest.slice(0, 12)})`);
  }
}
