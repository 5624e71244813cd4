import { UmecCommand } from '../../base-command.js';
import { configFlag, runStatusAction } from '../../firmware.js';

export default class FirmwareResume extends UmecCommand {
  static summary = 'Finish an update after a restart or reboot: health checks, then commit or roll back (the agent does this at start)';
  static flags = configFlag;

  async run(): Promise<void> {
    const { flags } = await this.parse(FirmwareResume);
    await runStatusAction(flags, (engine) => engine.resume());
  }
}
