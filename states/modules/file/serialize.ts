import { pyEq } from '../../jinja/py/ops.js';
import { toPy, type Value } from '../../jinja/values.js';
import { deepcopy, traverse, update } from '../../salt/data.js';
import { parseJson } from '../../salt/functions/merge-fns.js';
import { SERIALIZERS, SerializerOptionError, type SerializerOptions } from '../../salt/serializers.js';
import { loadSaltYaml } from '../../salt/yaml-load.js';
import type { StateArgs, StateContext, StateFunction, StateReturn } from '../../types.js';
import { fail, modeSchema, readOrUndefined, statOrUndefined } from './common.js';
import { managed } from './managed.js';

/*
 * Salt's file.serialize (3006): the dataset (or a pillar value) written by one of Salt's
 * serializers, plus a newline, through file.managed's write path (atomic write, owner, mode,
 * diff). merge_if_exists first reads the file back and merges the dataset into it.
 */

const optsSchema = { anyOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }, { type: 'null' }] };

export const serializeSchema = {
  type: 'object',
  properties: {
    dataset: {},
    dataset_pillar: { type: ['string', 'null'] },
    formatter: { type: ['string', 'null'] },
    serializer: { type: ['string', 'null'] },
    user: { type: ['string', 'null'] },
    group: { type: ['string', 'null'] },
    mode: { anyOf: [modeSchema, { type: 'null' }] },
    backup: { type: 'string', default: '' },
    makedirs: { type: 'boolean', default: false },
    show_changes: { type: 'boolean', default: true },
    create: { type: 'boolean', default: true },
    merge_if_exists: { type: 'boolean', default: false },
    encoding: { type: ['string', 'null'] },
    encoding_errors: { type: 'string', default: 'strict' },
    serializer_opts: optsSchema,
    deserializer_opts: optsSchema,
    check_cmd: { type: ['string', 'null'] },
    tmp_dir: { type: 'string', default: '' },
    tmp_ext: { type: 'string', default: '' },
  },
  // Salt's serialize takes **kwargs (passed on to file.check_managed_changes)
  additionalProperties: true,
};

/** Salt's defaults per serializer, which serializer_opts update. */
const DEFAULT_OPTIONS: Record<string, SerializerOptions> = {
  yaml: { default_flow_style: false },
  json: { indent: 2, separators: [',', ': '], sort_keys: true },
};

const DESERIALIZERS: Record<string, (text: string) => Value> = {
  yaml: (text) => loadSaltYaml(text, { plainPyYaml: true }),
  json: (text) => parseJson(text),
};

/** Salt's repack_dictlist: a list of one-key mappings (or a mapping) as one mapping. */
function repack(opts: unknown): SerializerOptions {
  if (opts === null || opts === undefined) return {};
  if (!Array.isArray(opts)) return opts as SerializerOptions;
  return Object.assign({}, ...opts as SerializerOptions[]) as SerializerOptions;
}

const UTF8 = /^utf[-_]?8$/i;

/** What to write, or why not: the pure part of file.serialize (the file's current text given). */
export function serializedContent(a: StateArgs, dataset: Value, existing: string | undefined):
  { contents: string } | { inSync: true } | { error: string } {
  const serializer = String(a.serializer ?? a.formatter ?? 'yaml').toLowerCase();
  const fn = SERIALIZERS[serializer];
  if (!fn) return { error: `The ${serializer} serializer could not be found. It either does not exist or its prerequisites are not installed.` };
  const options = { ...DEFAULT_OPTIONS[serializer], ...repack(a.serializer_opts) };
  let data = dataset;
  if (a.merge_if_exists && existing !== undefined) {
    const de = DESERIALIZERS[serializer];
    if (!de) return { error: `merge_if_exists is not supported for the ${serializer} serializer` };
    let old: Value;
    try { old = de(existing); } catch (e) { return { error: `Failed to deserialize existing data: ${(e as Error).message}` }; }
    if (old !== null) {
      // salt.utils.dictupdate.merge_recurse: a deep copy of the old data updated recursively
      const merged = old instanceof Map && data instanceof Map ? update(deepcopy(old), data) : data;
      if (pyEq(old, merged)) return { inSync: true };
      data = merged;
    }
  }
  try {
    return { contents: `${fn(data, options)}\n` };
  } catch (e) {
    if (e instanceof SerializerOptionError) return { error: e.message };
    return { error: `Failed to serialize the dataset with the ${serializer} serializer: ${(e as Error).message}` };
  }
}

/** Salt's file.serialize. */
export const serialize: StateFunction = {
  schema: serializeSchema,
  async run(a, ctx) {
    const name = a.name;
    if (!name) return fail(name, 'Must provide name to file.serialize');
    if (!a.create && !(await statOrUndefined(name))?.isFile()) {
      return { name, result: true, changes: {}, comment: `File ${name} is not present and is not set for creation` };
    }
    if (a.serializer && a.formatter) return fail(name, 'Only one of serializer and formatter are allowed');
    const given = [a.dataset, a.dataset_pillar].filter((x) => x !== undefined && x !== null && x !== '' && x !== false);
    if (given.length > 1) return fail(name, "Only one of 'dataset' and 'dataset_pillar' is permitted");
    let dataset: Value = a.dataset === undefined ? null : toPy(a.dataset);
    if (a.dataset_pillar) dataset = traverse(toPy(ctx.pillar), String(a.dataset_pillar), '');
    if (dataset === null) return fail(name, "Neither 'dataset' nor 'dataset_pillar' was defined");
    const encoding = a.encoding === undefined || a.encoding === null ? 'utf-8' : String(a.encoding);
    if (!UTF8.test(encoding) && encoding.toLowerCase() !== 'ascii') return fail(name, `file.serialize encoding ${encoding} is not supported by umec (utf-8 and ascii are)`);
    const existing = a.merge_if_exists ? (await readOrUndefined(name))?.toString('utf8') : undefined;
    const out = serializedContent(a, dataset, existing);
    if ('error' in out) return fail(name, out.error);
    if ('inSync' in out) return { name, result: true, changes: {}, comment: `The file ${name} is in the correct state` };
     
    if (encoding.toLowerCase() === 'ascii' && /[^\x00-\x7f]/.test(out.contents)) {
      return fail(name, `'ascii' codec can't encode the serialized dataset of ${name}`);
    }
    return write(a, out.contents, ctx);
  },
};

/** file.managed's write path with the contents; Salt's own comments for the test run. */
async function write(a: StateArgs, contents: string, ctx: StateContext): Promise<StateReturn> {
  const opt = (k: string) => (a[k] === undefined || a[k] === null ? {} : { [k]: a[k] });
  const r = await managed.run({
    name: a.name, contents, contents_newline: false, makedirs: a.makedirs, replace: true, create: true,
    show_changes: a.show_changes, ...opt('user'), ...opt('group'), ...opt('mode'), ...opt('check_cmd'),
    ...(a.tmp_dir ? { tmp_dir: a.tmp_dir } : {}), ...(a.tmp_ext ? { tmp_ext: a.tmp_ext } : {}),
  }, ctx);
  if (ctx.test && r.result === null) return { ...r, comment: `Dataset will be serialized and stored into ${a.name}` };
  return r;
}
