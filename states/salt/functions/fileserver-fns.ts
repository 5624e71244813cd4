/**
 * cp.list_master, cp.list_master_dirs, cp.list_states: what the state tree (Salt's fileserver,
 * `file_roots`) holds, as relative paths, sorted. Salt's Fileserver filters by a prefix with the
 * slashes around it stripped, by plain string prefix, and lists `.` (the root) among the dirs.
 */
import { JinjaError } from '../../jinja/errors.js';
import type { Value } from '../../jinja/values.js';
import { saltFn, type Params } from './args.js';
import type { SaltDeps } from './deps.js';

const PARAMS: Params = [['saltenv', 'base'], ['prefix', '']];

export function fileserverFunctions(d: SaltDeps) {
  const tree = (fn: string) => {
    if (!d.stateTree) throw new JinjaError('NotProvided', `salt function ${fn} is not provided${d.where ? ` ${d.where}` : ''} (no state tree)`);
    return d.stateTree();
  };
  const listed = (fn: string, pick: (t: { files: string[]; dirs: string[] }) => string[]) =>
    saltFn(fn, PARAMS, ({ a }): Value => {
      const prefix = String(a.prefix ?? '').replace(/^\/+|\/+$/g, '');
      // one state tree here: any other saltenv is empty, as in Salt
      if (String(a.saltenv) !== 'base' && String(a.saltenv) !== String(d.opts.get('saltenv') ?? 'base')) return [];
      return pick(tree(fn)).filter((p) => p.startsWith(prefix)).sort();
    }, { varkw: true });
  return {
    'cp.list_master': listed('cp.list_master', (t) => t.files),
    'cp.list_master_dirs': listed('cp.list_master_dirs', (t) => t.dirs),
    'cp.list_states': saltFn('cp.list_states', [['saltenv', 'base']], (): Value => {
      const states = new Set<string>();
      for (const f of tree('cp.list_states').files) {
        if (f.endsWith('/init.sls')) states.add(f.replace(/\//g, '.').slice(0, -9));
        else if (f.endsWith('.sls')) states.add(f.replace(/\//g, '.').slice(0, -4));
      }
      return [...states].sort();
    }),
  };
}
