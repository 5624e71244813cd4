import { agentConfigFlag, UmecCommand } from '../../base-command.js';
import { runUntilSignal } from '../../daemon-runner.js';

export default class AgentStart extends UmecCommand {
  static summary = 'Run the agent in the foreground';
  static flags = agentConfigFlag();

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentStart);
    // loaded on demand: the daemon pulls in ZeroMQ, the logger and the config schema, which other commands don't need
    const [{ AgentDaemon }, { createLogger }, { loadAgentConfig }, { resolveBootstrap }] = await Promise.all([
      import('../../../agent/daemon.js'), import('../../../lib/log.js'), import('../../../agent/config.js'), import('../../../agent/commission/bootstrap.js')]);
    // master, master_pubkey and an enrolment token may come from the boot partition or the environment (first boot)
    const bootstrap = await resolveBootstrap(await loadAgentConfig(flags.config), { configFile: flags.config });
    const config = bootstrap.config;
    const log = createLogger({ name: `agent:${config.id}`, level: config.log_level });
    const daemon = new AgentDaemon(config, log, { bootstrap });
    await runUntilSignal(async () => { await daemon.start(); return daemon; }, log);
  }
}
