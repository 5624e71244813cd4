import { masterConfigFlag, UmecCommand } from '../../base-command.js';
import { runUntilSignal } from '../../daemon-runner.js';

export default class MasterStart extends UmecCommand {
  static summary = 'Run the master in the foreground';
  static flags = masterConfigFlag;

  async run(): Promise<void> {
    const { flags } = await this.parse(MasterStart);
    // loaded on demand: the daemon pulls in ZeroMQ, the logger and the config schema, which other commands don't need
    const [{ MasterDaemon }, { createLogger }, { loadMasterConfig }] = await Promise.all([
      import('../../../master/daemon.js'), import('../../../lib/log.js'), import('../../../master/config.js')]);
    const config = await loadMasterConfig(flags.config, { daemon: true });
    const log = createLogger({ name: 'master', level: config.log_level });
    await runUntilSignal(() => MasterDaemon.start(config, log), log);
  }
}
