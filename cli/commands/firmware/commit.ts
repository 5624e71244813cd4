import { Command } from '@oclif/core';
import { reportInputError } from '../../errors.js';
import { configFlag, formatStatus, localEngine } from '../../firmware.js';

export default class FirmwareCommit extends Command {
  static summary = 'Mark the running trial slot good (skip the remaining health checks)';
  static flags = configFlag;

  async run(): Promise<void> {
    const { flags } = await this.parse(FirmwareCommit);
    try {
      const s = await (await localEngine(flags.config)).commit();
      process.stdout.write(flags.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatStatus(s)}\n`);
    } catch (e) {
      process.exitCode = reportInputError(e, flags.json);
    }
  }
}
