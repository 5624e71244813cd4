import { Command } from '@oclif/core';
import { reportInputError } from '../../errors.js';
import { configFlag, formatStatus, localEngine } from '../../firmware.js';

export default class FirmwareRollback extends Command {
  static summary = 'Go back to the previous slot (reboots when the trial slot is running)';
  static flags = configFlag;

  async run(): Promise<void> {
    const { flags } = await this.parse(FirmwareRollback);
    try {
      const s = await (await localEngine(flags.config)).rollback();
      process.stdout.write(flags.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatStatus(s)}\n`);
    } catch (e) {
      process.exitCode = reportInputError(e, flags.json);
    }
  }
}
