import { MasterCommand } from '../../base-command.js';
import { MasterClient } from '../../master-client.js';

const HEADINGS = { accepted: 'Accepted Keys:', pending: 'Unaccepted Keys:', rejected: 'Rejected Keys:' } as const;

export default class KeyList extends MasterCommand {
  static summary = 'List agent keys by state (like salt-key -L)';

  async run(): Promise<void> {
    const { flags } = await this.parse(KeyList);
    const keys = await (await MasterClient.fromConfig(flags.config)).call('key.list');
    if (flags.json) { this.log(JSON.stringify(keys, null, 2)); return; }
    for (const st of ['accepted', 'pending', 'rejected'] as const) {
      this.log(HEADINGS[st]);
      // a pending key says why it is still pending (a refused enrolment token)
      for (const id of keys[st]) this.log(st === 'pending' && keys.notes?.[id] ? `${id}  (${keys.notes[id]})` : id);
    }
  }
}
