/** defaults.* and slsutil.* (salt/modules/{defaults,slsutil}.py): merging and (de)serialising in templates. */
import { JinjaError, typeError } from '../../jinja/errors.js';
import { truthy } from '../../jinja/py/ops.js';
import { PyFunction, type Value } from '../../jinja/values.js';
import { deepcopy, merge, update } from '../data.js';
import { jsonDumps } from '../../jinja/py/json.js';
import { loadSaltYaml } from '../yaml-load.js';
import { safeDump } from '../yaml-dump.js';
import { REQUIRED, saltFn } from './args.js';
import type { SaltDeps } from './deps.js';

/**
 * salt.serializers.yaml.serialize: yaml.dump with its own SafeDumper (OrderedDict sorted like a dict,
 * allow_unicode off), default_flow_style None, the final newline (or "\n...\n") cut.
 */
function serializeYaml(obj: Value): string {
  const text = safeDump(obj, { flowStyle: null, allowUnicode: false, sortOrdered: true });
  if (text.endsWith('\n...\n')) return text.slice(0, -5);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

function parseJson(text: string): Value {
  const toPy = (v: unknown): Value => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return v;
    if (Array.isArray(v)) return v.map(toPy);
    const m = new Map<Value, Value>();
    for (const [k, x] of Object.entries(v as object)) m.set(k, toPy(x));
    return m;
  };
  try {
    return toPy(JSON.parse(text));
  } catch (e) {
    throw new JinjaError('ValueError', `Unable to load json: ${(e as Error).message}`);
  }
}

export { parseJson };

export function mergeFunctions(d: SaltDeps): Record<string, PyFunction> {
  const strategyArgs = [['strategy', 'smart'], ['renderer', 'yaml'], ['merge_lists', false]] as const;
  return {
    'defaults.merge': saltFn('defaults.merge', [['dest', REQUIRED], ['src', REQUIRED], ['merge_lists', false], ['in_place', true], ['convert_none', true]], ({ a }) => {
      let { dest, src } = a;
      if (truthy(a.convert_none)) {
        if (src === null) src = new Map();
        if (dest === null) {
          if (truthy(a.in_place)) throw typeError('Can not do an in-place merge into None');
          dest = new Map();
        }
      }
      return update(truthy(a.in_place) ? dest! : deepcopy(dest), src, true, truthy(a.merge_lists));
    }),
    'defaults.deepcopy': saltFn('defaults.deepcopy', [['source', REQUIRED]], ({ a }) => deepcopy(a.source)),
    'slsutil.update': saltFn('slsutil.update', [['dest', REQUIRED], ['upd', REQUIRED], ['recursive_update', true], ['merge_lists', false]],
      ({ a }) => update(a.dest, a.upd, truthy(a.recursive_update), truthy(a.merge_lists))),
    'slsutil.merge': saltFn('slsutil.merge', [['obj_a', REQUIRED], ['obj_b', REQUIRED], ...strategyArgs],
      ({ a }) => merge(a.obj_a, a.obj_b, String(a.strategy), String(a.renderer), truthy(a.merge_lists))),
    'slsutil.merge_all': saltFn('slsutil.merge_all', [['lst', REQUIRED], ...strategyArgs], ({ a }) => {
      let ret: Value = new Map();
      for (const obj of a.lst as Value[]) ret = merge(ret, obj, String(a.strategy), String(a.renderer), truthy(a.merge_lists));
      return ret;
    }),
    'slsutil.serialize': saltFn('slsutil.serialize', [['serializer', REQUIRED], ['obj', REQUIRED]], ({ a, extra }) => {
      if (a.serializer === 'yaml') return serializeYaml(a.obj);
      if (a.serializer === 'json') return jsonDumps(a.obj, { ensureAscii: false, indent: extra.get('indent') as number | undefined, sortKeys: truthy(extra.get('sort_keys') ?? false) });
      throw new JinjaError('NotProvided', `slsutil.serialize with serializer ${String(a.serializer)} is not provided (yaml, json are)`);
    }, { varkw: true }),
    'slsutil.deserialize': saltFn('slsutil.deserialize', [['serializer', REQUIRED], ['stream_or_string', REQUIRED]], ({ a }) => {
      if (a.serializer === 'yaml') return loadSaltYaml(String(a.stream_or_string), { plainPyYaml: true });
      if (a.serializer === 'json') return parseJson(String(a.stream_or_string));
      throw new JinjaError('NotProvided', `slsutil.deserialize with serializer ${String(a.serializer)} is not provided (yaml, json are)`);
    }, { varkw: true }),
    'slsutil.renderer': saltFn('slsutil.renderer', [['path', null], ['string', null], ['default_renderer', 'jinja|yaml']], ({ a }) => {
      if (!d.render) throw new JinjaError('NotProvided', 'salt function slsutil.renderer is not provided here');
      let text: string;
      if (a.string !== null) text = String(a.string);
      else if (a.path !== null) {
        if (!d.readFile) throw new JinjaError('NotProvided', 'slsutil.renderer with path= is not provided here (pass string=)');
        text = d.readFile(String(a.path));
      } else throw new JinjaError('TypeError', 'slsutil.renderer: Must pass path or string.');
      // a shebang line picks the renderer, as in Salt
      let renderer = String(a.default_renderer);
      const bang = /^#!(\S+)[^\n]*\n?/.exec(text);
      if (bang) { renderer = bang[1]!; text = text.slice(bang[0].length); }
      return d.render(text, renderer);
    }, { varkw: true }),
  };
}
