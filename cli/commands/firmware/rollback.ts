import { UmecCommand } from '../../base-command.js';
import { configFlag, runStatusAction } from '../../firmware.js';

export default class FirmwareRollback extends UmecCommand {
  static summary = 'Go back to the previous slot (reboots when the trial slot is running)';
  static flags = configFlag;

  async run(): Promise<void> {
    const { flags } = await this.parse(FirmwareRollback);
    await runStatusAction(flags, (engine) => engine.rollback());
  }
}
