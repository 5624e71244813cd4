import { UmecCommand } from '../../base-command.js';
import { configFlag, runStatusAction } from '../../firmware.js';

export default class FirmwareCommit extends UmecCommand {
  static summary = 'Mark the running trial slot good (skip the remaining health checks)';
  static flags = configFlag;

  async run(): Promise<void> {
    const { flags } = await this.parse(FirmwareCommit);
    await runStatusAction(flags, (engine) => engine.commit());
  }
}
