import { Command } from '@oclif/core';
import { createLogger } from '../../../lib/log.js';
import { loadMasterConfig } from '../../../master/config.js';
import { MasterDaemon } from '../../../master/daemon.js';
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
      const daemon = new MasterDaemon(config, createLogger({ name: 'master', level: config.log_level }));
      await runUntilSignal(daemon);
    } catch (e) {
      process.exitCode = reportInputError(e, false);
    }
  }
}
