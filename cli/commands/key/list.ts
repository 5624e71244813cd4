import { Command, Flags } from '@oclif/core';
import { reportInputError } from '../../errors.js';
import { configFlag, MasterClient } from '../../master-client.js';

const HEADINGS = { accepted: 'Accepted Keys:', pending: 'Unaccepted Keys:', rejected: 'Rejected Keys:' } as const;

export default class KeyList extends Command {
  static summary = 'List agent keys by state (like salt-key -L)';
  static flags = { ...configFlag, json: Flags.boolean({ description: 'print JSON' }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(KeyList);
    try {
      const keys = await (await MasterClient.fromConfig(flags.config)).call('key.list');
      if (flags.json) { this.log(JSON.stringify(keys, null, 2)); return; }
      for (const st of ['accepted', 'pending', 'rejected'] as const) {
        this.log(HEADINGS[st]);
        // a pending key says why it is still pending (a refused enrolment token)
        for (const id of keys[st]) this.log(st === 'pending' && keys.notes?.[id] ? `${id}  (${keys.notes[id]})` : id);
      }
    } catch (e) {
      process.exitCode = reportInputError(e, flags.json);
    }
  }
}
