import { Command } from '@oclif/core';
import { reportInputError } from '../../errors.js';
import { configFlag, formatStatus, localEngine } from '../../firmware.js';

export default class FirmwareResume extends Command {
  static summary = 'Finish an update after a restart or reboot: health checks, then commit or roll back (the agent does this at start)';
  static flags = configFlag;

  async run(): Promise<void> {
    const { flags } = await this.parse(FirmwareResume);
    try {
      const s = await (await localEngine(flags.config)).resume();
      process.stdout.write(flags.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatStatus(s)}\n`);
    } catch (e) {
      process.exitCode = reportInputError(e, flags.json);
    }
  }
}
