import { Args, Flags } from '@oclif/core';
import { MasterCommand } from './base-command.js';
import { MasterClient } from './master-client.js';

/** accept / reject / delete: the same shape, one control operation each. */
export function keyChangeCommand(op: 'key.accept' | 'key.reject' | 'key.delete', summary: string, verb: string, allowAll: boolean) {
  return class extends MasterCommand {
    static summary = summary;
    static args = { id: Args.string({ description: 'agent id' }) };
    static flags = {
      ...(allowAll ? { all: Flags.boolean({ char: 'A', description: 'every key this applies to' }) } : {}),
      ...(op === 'key.accept' ? { 'include-rejected': Flags.boolean({ description: 'with --all, accept rejected keys too' }) } : {}),
    };

    async run(): Promise<void> {
      const { args, flags } = await this.parse(this.constructor as never) as unknown as { args: { id?: string }; flags: Record<string, unknown> & { config: string; json: boolean } };
      if (!args.id && !flags.all) this.error('give an agent id or --all', { exit: 2 });
      const client = await MasterClient.fromConfig(flags.config);
      const all = flags.all === true;
      const r = op === 'key.accept' ? await client.call(op, { id: args.id, all, include_rejected: flags['include-rejected'] === true })
        : op === 'key.reject' ? await client.call(op, { id: args.id, all })
          : await client.call(op, { id: args.id! });
      if (flags.json) this.log(JSON.stringify(r));
      else if (r.changed.length) for (const id of r.changed) this.log(`Key for agent ${id} ${verb}.`);
      else this.log(args.id ? `No key for ${args.id} to change.` : 'No keys to change.');
      if (args.id && !r.changed.length) process.exitCode = 1;
    }
  };
}
