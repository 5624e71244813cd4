import { UmecCommand } from '../../base-command.js';
import { configFlag, formatStatus, localEngine } from '../../firmware.js';

export default class FirmwareStatusCmd extends UmecCommand {
  static summary = 'Slots, versions, the booted slot and the update in progress on this box';
  static flags = configFlag;

  async run(): Promise<void> {
    const { flags } = await this.parse(FirmwareStatusCmd);
    const s = await (await localEngine(flags.config)).status();
    process.stdout.write(flags.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatStatus(s)}\n`);
  }
}
