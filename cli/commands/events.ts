import { Flags } from '@oclif/core';
import { MasterCommand } from '../base-command.js';
import { MasterClient } from '../master-client.js';

export default class Events extends MasterCommand {
  static summary = "Stream the master's events (keys, jobs, returns, agents) as they happen";
  static flags = {
    json: Flags.boolean({ description: 'one JSON object per line' }),
    recent: Flags.integer({ description: 'first show up to this many of the latest events (the master keeps 1000)', default: 0, min: 0 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Events);
    await (await MasterClient.fromConfig(flags.config)).stream('events', { recent: flags.recent }, (l) => {
      if (l.type !== 'event') return;
      const ev = l.event;
      this.log(flags.json ? JSON.stringify(ev) : `${ev.ts} ${ev.tag} ${JSON.stringify(ev.data)}`);
    });
  }
}
