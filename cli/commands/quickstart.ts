import { Flags } from '@oclif/core';
import { formatHighstate, type StateOutput } from '../format/highstate.js';
import { UmecCommand } from '../base-command.js';
import type { RunResults } from '../../states/types.js';

export default class Quickstart extends UmecCommand {
  static summary = 'Start a master and one agent on loopback (temporary data), enrol the agent with a token, apply the example states';
  static flags = {
    once: Flags.boolean({ description: 'apply, print the results and exit (exit 1 if the highstate failed)' }),
    keep: Flags.boolean({ description: 'keep the temporary directory afterwards' }),
    'state-output': Flags.string({ description: 'full, terse or changes', options: ['full', 'terse', 'changes'], default: 'full' }),
    json: Flags.boolean({ description: 'print the result as JSON' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Quickstart);
    const { startQuickstart } = await import('../quickstart.js');
    if (!flags.json) process.stderr.write('Starting a master and one agent on 127.0.0.1; the agent enrols with a one-time token and commissions itself...\n');
    const q = await startQuickstart({ keep: flags.keep });
    const c = `-c ${q.masterConfig}`;
    if (flags.json) {
      this.log(JSON.stringify({ root: q.root, master_config: q.masterConfig, jid: q.jid, success: q.success, returns: { [q.agentId]: q.ret?.ret } }, null, 2));
    } else {
      const ret = q.ret?.ret;
      if (ret && typeof ret === 'object' && !Array.isArray(ret)) {
        this.log(formatHighstate(q.agentId, ret as RunResults, { color: !!process.stdout.isTTY, output: flags['state-output'] as StateOutput }));
      } else {
        this.log(`${q.agentId}:\n    ${JSON.stringify(ret)}`);
      }
      const where = flags.once && !flags.keep ? 'temporary data removed on exit' : `data in ${q.root}`;
      this.log(`\n${q.success ? 'Commissioned' : 'Commissioning FAILED'}: ${q.agentId} (job ${q.jid}); ${where}`);
      if (flags.once) this.log('Run `umec quickstart` without --once to keep the master and agent running and try the umec commands against them.');
      if (!flags.once) {
        this.log(`\nTry next, in another terminal:
umec key list ${c}
umec token create --grains role=camera ${c}
umec ping '*' ${c}
umec apply '*' --test ${c}
umec job show ${q.jid} ${c}
umec events ${c}

Press Ctrl-C to stop the master and the agent${flags.keep ? '' : ' and remove the temporary directory'}.`);
      }
    }
    if (!flags.once) {
      await new Promise<void>((resolve) => {
        const done = () => { process.off('SIGINT', done); process.off('SIGTERM', done); resolve(); };
        process.on('SIGINT', done);
        process.on('SIGTERM', done);
      });
      if (!flags.json) process.stderr.write('\nStopping...\n');
    }
    await q.stop();
    if (!q.success) process.exitCode = 1;
  }
}
