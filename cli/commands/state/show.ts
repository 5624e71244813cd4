import { Args } from '@oclif/core';
import { UmecCommand } from '../../base-command.js';
import { localFlags } from '../../local-flags.js';

export default class StateShow extends UmecCommand {
  static summary = 'Render and validate SLS and print the ordered plan, without running anything';
  static strict = false;
  static args = { sls: Args.string({ description: 'SLS names (the highstate when none)' }) };
  static flags = { ...localFlags };

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(StateShow);
    // the engine is loaded only when a state command runs
    const { localRequest } = await import('../../local.js');
    const { engine, req } = await localRequest(flags, argv as string[]);
    const plan = await engine.plan(req);
    const { runOrder } = await import('../../../states/compile.js');
    const { formatProblem } = await import('../../../lib/errors.js');
    // Salt's requisite_in puts `prerequired` on the target of every prereq
    const prerequired = new Map<string, { kind: string; target: string }[]>();
    for (const c of plan.chunks) {
      for (const r of c.requisites) {
        if (r.kind === 'prereq') prerequired.set(r.target, [...(prerequired.get(r.target) ?? []), { kind: 'prerequired', target: c.key }]);
      }
    }
    const low = runOrder(plan).map((c, i) => ({
      __run_num__: i, __id__: c.id, __sls__: c.sls, state: c.module, fun: c.fun, name: c.name,
      // every argument as Salt's low chunk holds it (onlyif, unless, failhard, check_cmd... included), over umec's defaults
      args: { ...c.args, ...c.saltArgs },
      requisites: [...c.requisites, ...(prerequired.get(c.key) ?? [])],
      ...(c.unavailable ? { unavailable: c.unavailable } : {}),
      file: c.pos.file, line: c.pos.line,
    }));
    for (const w of plan.warnings ?? []) process.stderr.write(`Warning: ${formatProblem(w)}\n`);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(low, null, 2)}\n`);
      return;
    }
    const keyToLabel = new Map(plan.chunks.map((c) => [c.key, `${c.module}: ${c.id}`]));
    for (const l of low) {
      const reqs = l.requisites.filter((r) => r.kind !== 'prerequired').map((r) => `${r.kind} ${keyToLabel.get(r.target)}`).join('; ');
      process.stdout.write(`${String(l.__run_num__ + 1).padStart(4)}. ${l.state}.${l.fun}  ${l.name}  [${l.__sls__}: ${l.file}:${l.line}]${reqs ? `  (${reqs})` : ''}\n`);
    }
    const cannot = low.filter((l) => l.unavailable).length;
    process.stdout.write(`${low.length} states${cannot ? ` (${cannot} would fail at apply, see the warnings)` : ''}, nothing run\n`);
  }
}
