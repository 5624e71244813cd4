import { Args, Flags } from '@oclif/core';
import { UmecCommand } from '../../base-command.js';
import { formatHighstate, summarise, type StateOutput } from '../../format/highstate.js';
import { localFlags } from '../../local-flags.js';

export default class StateApply extends UmecCommand {
  static summary = 'Apply states (the highstate from top.sls when no SLS is given)';
  static description = 'Like `salt-call --local state.apply`: render, validate, then run the states on this machine.';
  static strict = false;
  static args = { sls: Args.string({ description: 'SLS names (dotted), e.g. web or apps.camera' }) };
  static flags = {
    ...localFlags,
    local: Flags.boolean({ description: 'run on this machine from a local state tree', required: true }),
    test: Flags.boolean({ description: 'dry run: predict changes, change nothing' }),
    failhard: Flags.boolean({ description: 'stop at the first failing state' }),
    'state-output': Flags.string({ description: 'human output detail', options: ['full', 'terse', 'changes'], default: 'full' }),
  };
  static examples = ['<%= config.bin %> state apply --local --state-root ./states web', '<%= config.bin %> state apply --local --test'];

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(StateApply);
    // the engine is loaded only when a state command runs
    const { localRequest } = await import('../../local.js');
    const { engine, req } = await localRequest(flags, argv as string[]);
    const results = await engine.apply({ ...req, test: flags.test, failhard: flags.failhard });
    if (flags.json) process.stdout.write(`${JSON.stringify({ local: results }, null, 2)}\n`);
    else process.stdout.write(`${formatHighstate('local', results, { color: !!process.stdout.isTTY, output: flags['state-output'] as StateOutput })}\n`);
    process.exitCode = summarise(results).failed > 0 ? 1 : 0;
  }
}
