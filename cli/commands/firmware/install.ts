import { Args, Flags } from '@oclif/core';
import { UmecCommand } from '../../base-command.js';
import { configFlag, localEngine, progressPrinter } from '../../firmware.js';

export default class FirmwareInstall extends UmecCommand {
  static summary = 'Install a signed bundle into the inactive slot and reboot into it';
  static description = 'SRC is a bundle file or an http(s) URL. The bundle is verified before a byte reaches the slot; after the reboot the agent (or `umec firmware resume`) runs the health checks and commits or rolls back.';
  static args = { source: Args.string({ description: 'bundle path or http(s) URL', required: true }) };
  static flags = { ...configFlag, 'no-reboot': Flags.boolean({ description: 'arm the new slot but leave the reboot to the operator' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(FirmwareInstall);
    const engine = await localEngine(flags.config);
    const ac = new AbortController();
    const stop = () => ac.abort(new Error('cancelled by signal'));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const r = await engine.install(args.source, { reboot: !flags['no-reboot'], signal: ac.signal, onProgress: progressPrinter(process.stderr) });
    process.stdout.write(flags.json ? `${JSON.stringify(r)}\n`
      : `version ${r.version} written to slot ${r.target}; ${flags['no-reboot'] ? 'the next boot tries it' : 'rebooting'}\n`);
  }
}
