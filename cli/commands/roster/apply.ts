import { Args, Flags } from '@oclif/core';
import { UmecCommand } from '../../base-command.js';
import { CompileError } from '../../../lib/errors.js';
import { PillarCompiler } from '../../../master/pillar.js';
import { RosterCompiler } from '../../../roster/compile.js';
import { StateEngine } from '../../../states/engine.js';
import { builtinModules, linuxDrivers } from '../../../states/modules/index.js';
import { DEFAULT_STATE_ROOT } from '../../local-flags.js';
import { readSaltYamlMapping } from '../../local.js';
import { rosterFlags, runRosterCommand } from '../../roster-command.js';

export default class RosterApply extends UmecCommand {
  static summary = 'Apply states on roster hosts over SSH (the highstate when no SLS is given)';
  static strict = false;
  static args = {
    target: Args.string({ required: true, description: 'target (glob on roster ids unless -L/-G/-C/-E)' }),
    sls: Args.string({ description: 'SLS names' }),
  };
  static flags = {
    ...rosterFlags,
    'state-root': Flags.string({ description: 'state tree directory', env: 'UMEC_STATE_ROOT', default: DEFAULT_STATE_ROOT }),
    pillar: Flags.string({ description: 'YAML file of pillar data for every host' }),
    'pillar-root': Flags.string({ description: 'pillar tree (top.sls) compiled per host, as the master does' }),
    saltenv: Flags.string({ description: 'top.sls environment', default: 'base' }),
    test: Flags.boolean({ description: 'dry run: predict changes' }),
  };
  static examples = [
    "<%= config.bin %> roster apply 'edge-*' web --roster ./roster.yaml --state-root ./states",
    "<%= config.bin %> roster apply -L edge-1,edge-2 --roster ./roster.yaml --test --json",
  ];

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(RosterApply);
    const sls = (argv as string[]).slice(1);
    const compiler = async () => {
      const fixed = flags.pillar ? await readSaltYamlMapping(flags.pillar, 'pillar') : {};
      const tree = flags['pillar-root'] ? new PillarCompiler(flags['pillar-root']) : undefined;
      const pillarFor = async (id: string, grains: Record<string, unknown>) => {
        if (!tree) return fixed;
        const { pillar, errors } = await tree.compile(id, grains);
        if (errors.length) throw new CompileError(errors);
        return { ...pillar, ...fixed };
      };
      const engine = new StateEngine({ modules: builtinModules(), drivers: linuxDrivers() });
      return new RosterCompiler(engine, { stateRoot: flags['state-root'], sls, saltenv: flags.saltenv, test: flags.test, pillarFor });
    };
    process.exitCode = await runRosterCommand(args.target, { fun: 'apply', args: {}, test: flags.test, compiler }, flags);
  }
}
