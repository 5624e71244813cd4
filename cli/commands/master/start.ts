import { Command } from '@oclif/core';
import { loadMasterConfig } from '../../../master/config.js';
import { configFlag } from '../../master-client.js';
import { reportInputError } from '../../errors.js';
import { runUntilSignal } from '../../daemon-runner.js';

export default class MasterStart extends Command {
  static summary = 'Run the master in the foreground';
  static flags = { ...configFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(MasterStart);
    try {
      const config = await loadMasterConfig(flags.config);
      // loaded on demand: the daemon pulls in ZeroMQ and the logger, which other commands don't need
      const [{ MasterDaemon }, { createLogger }] = await Promise.all([import('../../../master/daemon.js'), import('../../../lib/log.js')]);
      const daemon = new MasterDaemon(config, createLogger({ name: 'master', level: config.log_level }));
      await runUntilSignal(daemon);
    } catch (e) {
      process.exitCode = reportInputError(e, false);
    }
  }
}
