/** pillar.*, grains.*, config.get: lookups in the data the render was given (salt/modules/{pillar,grains,config}.py). */
import { pyStr, truthy } from '../../jinja/py/ops.js';
import { PyFunction, type Value } from '../../jinja/values.js';
import { contains, deepcopy, filterBy, isDict, isList, mapGet, merge, traverse, update } from '../data.js';
import { REQUIRED, saltFn } from './args.js';
import type { SaltDeps } from './deps.js';

const NOT_SET = Symbol('NOT_SET');
const MISS = '_|-'; // config.get's marker for "not found here"

/** pillar.get's merge: the default recursively updated with what pillar has (a copy, never the pillar). */
function getMerged(fname: string, d: SaltDeps, data: Map<Value, Value>, key: string, dflt: Value, mergeLists: boolean, delimiter: string): Value | typeof NOT_SET {
  if (isDict(dflt)) {
    const ret = traverse(data, key, new Map(), delimiter);
    if (isDict(ret)) return update(deepcopy(dflt), ret, true, mergeLists);
    d.log?.('error', `${fname}: Default (${pyStr(dflt)}) is a dict, but the returned pillar value (${pyStr(ret)}) is not. Merge will be skipped.`);
  } else if (isList(dflt)) {
    const ret = traverse(data, key, [], delimiter);
    if (isList(ret)) {
      const out = deepcopy(dflt) as Value[];
      for (const x of ret) if (!contains(out, x)) out.push(x);
      return out;
    }
    d.log?.('error', `${fname}: Default (${pyStr(dflt)}) is a list, but the returned pillar value (${pyStr(ret)}) is not. Merge will be skipped.`);
  } else {
    d.log?.('error', `${fname}: Default (${pyStr(dflt)}) must be a dict or list to merge. Merge will be skipped.`);
  }
  return NOT_SET;
}

export function dataFunctions(d: SaltDeps): Record<string, PyFunction> {
  const pillarGet = saltFn('pillar.get', [['key', REQUIRED], ['default', ''], ['merge', false], ['merge_nested_lists', null], ['delimiter', ':'], ['pillarenv', null], ['saltenv', null]], ({ a }) => {
    const key = String(a.key);
    const delimiter = String(a.delimiter);
    if (truthy(a.merge)) {
      const mergeLists = a.merge_nested_lists === null ? false : truthy(a.merge_nested_lists); // pillar_merge_lists: False
      const r = getMerged('pillar.get', d, d.pillar, key, a.default, mergeLists, delimiter);
      if (r !== NOT_SET) return r;
    }
    return traverse(d.pillar, key, a.default, delimiter);
  });
  const grainsGet = saltFn('grains.get', [['key', REQUIRED], ['default', ''], ['delimiter', ':'], ['ordered', true]],
    ({ a }) => traverse(d.grains, String(a.key), a.default, String(a.delimiter)));
  // Salt's item(*args, **kwargs): every positional argument is a key
  const itemFn = (data: Map<Value, Value>, name: string): PyFunction => new PyFunction(name, (args, kwargs) => {
    const dflt = kwargs.get('default') ?? '';
    const delimiter = String(kwargs.get('delimiter') ?? ':');
    const out = new Map<Value, Value>();
    for (const arg of args) out.set(arg, traverse(data, String(arg), dflt, delimiter));
    return out;
  });
  return {
    'pillar.get': pillarGet,
    'pillar.items': saltFn('pillar.items', [], () => d.pillar, { varargs: true, varkw: true }),
    'pillar.raw': saltFn('pillar.raw', [['key', null]], ({ a }) => (a.key === null ? d.pillar : mapGet(d.pillar, a.key) ?? new Map())),
    'pillar.item': itemFn(d.pillar, 'pillar.item'),
    'grains.get': grainsGet,
    'grains.items': saltFn('grains.items', [['sanitize', false]], () => d.grains),
    'grains.item': itemFn(d.grains, 'grains.item'),
    'grains.has_value': saltFn('grains.has_value', [['key', REQUIRED]], ({ a }) => {
      const miss = new Map<Value, Value>();
      return traverse(d.grains, String(a.key), miss) !== miss;
    }),
    'grains.filter_by': saltFn('grains.filter_by', [['lookup_dict', REQUIRED], ['grain', 'os_family'], ['merge', null], ['default', 'default'], ['base', null]],
      ({ a }) => filterBy(a.lookup_dict, String(a.grain), d.grains, a.merge, a.default, a.base)),
    'pillar.filter_by': saltFn('pillar.filter_by', [['lookup_dict', REQUIRED], ['pillar', REQUIRED], ['merge', null], ['default', 'default'], ['base', null]],
      ({ a }) => filterBy(a.lookup_dict, String(a.pillar), d.pillar, a.merge, a.default, a.base)),
    // salt/modules/config.py option(): a top-level key (no traversal) from opts, grains, pillar, then master
    'config.option': saltFn('config.option', [['value', REQUIRED], ['default', null], ['omit_opts', false], ['omit_grains', false], ['omit_pillar', false], ['omit_master', false], ['omit_all', false]], ({ a }) => {
      const master = mapGet(d.pillar, 'master');
      const all = truthy(a.omit_all);
      const sources: [boolean, Value][] = [[!a.omit_opts, d.opts], [!a.omit_grains, d.grains], [!a.omit_pillar, d.pillar], [!a.omit_master, isDict(master) ? master : new Map()]];
      for (const [use, data] of sources) {
        if (!truthy(use) || all || !isDict(data)) continue;
        const v = mapGet(data, a.value);
        if (v !== undefined) return v;
      }
      return a.default === null ? '' : a.default;
    }),
    'config.get': saltFn('config.get', [['key', REQUIRED], ['default', ''], ['delimiter', ':'], ['merge', null], ['omit_opts', false], ['omit_pillar', false], ['omit_master', false], ['omit_grains', false]], ({ a }) => {
      const key = String(a.key);
      const delimiter = String(a.delimiter);
      const master = mapGet(d.pillar, 'master');
      if (a.merge === null) {
        const sources: [boolean, Value][] = [[!a.omit_opts, d.opts], [!a.omit_grains, d.grains], [!a.omit_pillar, d.pillar], [!a.omit_master, isDict(master) ? master : new Map()]];
        for (const [use, data] of sources) {
          if (!use) continue;
          const ret = traverse(data, key, MISS, delimiter);
          if (ret !== MISS) return ret;
        }
        return a.default!;
      }
      const strategy = a.merge === 'overwrite' ? 'overwrite' : 'recurse'; // Salt warns and falls back to recurse
      let data: Value = new Map();
      for (const src of [isDict(master) ? master : new Map(), d.pillar, d.grains, d.opts]) data = merge(data, src, strategy);
      const ret = traverse(data, key, MISS, delimiter);
      return ret !== MISS ? ret : a.default!;
    }),
  };
}
