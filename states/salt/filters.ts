/**
 * Salt's Jinja filters, tests and globals (salt/utils/jinja.py SerializerExtension and the
 * @jinja_filter/@jinja_test functions of salt.utils.{jinja,data,yamlencoding,hashutils,network}).
 * Salt registers these over Jinja2's builtins of the same name (min, max, unique, tojson).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { EvalEnv, FilterFn, TestFn } from '../jinja/api.js';
import { JinjaError, typeError } from '../jinja/errors.js';
import { iterate, pyEq, pyStr, truthy } from '../jinja/py/ops.js';
import { fromPy, PyFloat, PyFunction, Tuple, toPy, type Kwargs, type Value } from '../jinja/values.js';
import { contains, isDict, isList, traverse } from './data.js';
import { parseJson } from './functions/merge-fns.js';
import { jsonDumps } from '../jinja/py/json.js';
import { pyEscape, pyRegex, pyReplacement } from './regex.js';
import { formatYaml, yamlDquote, yamlEncode, yamlSquote } from './yaml-dump.js';
import { loadSaltYamlForTemplate, OrderedDict } from './yaml-load.js';

/**
 * jmespath (the library Salt's json_query uses, in its JavaScript port) is loaded when a template
 * first calls json_query, so nothing else depends on it being installed.
 */
let jmespathSearch: ((data: unknown, expr: string) => unknown) | undefined;
function jmesSearch(data: unknown, expr: string): unknown {
  jmespathSearch ??= (createRequire(import.meta.url)('jmespath') as { search: (d: unknown, e: string) => unknown }).search;
  return jmespathSearch(data, expr);
}

/** Positional-or-keyword argument `i` named `name`, else the default. */
const arg = (args: Value[], kwargs: Kwargs, i: number, name: string, dflt: Value): Value =>
  (args.length > i ? args[i]! : kwargs.has(name) ? kwargs.get(name)! : dflt);

const str = (env: EvalEnv, v: Value): string => pyStr(v, env.strictUndefined);

function regexFlags(args: Value[], kwargs: Kwargs, first: number) {
  return { ignorecase: truthy(arg(args, kwargs, first, 'ignorecase', false)), multiline: truthy(arg(args, kwargs, first + 1, 'multiline', false)) };
}

/** Python's re match .groups(): every group, None where it did not take part. */
const groups = (m: RegExpExecArray): Tuple => Tuple.make(m.slice(1).map((g) => (g === undefined ? null : g)));

/** Python's hashable: everything but list, dict (and set). */
const hashable = (v: Value): boolean => !(isList(v) || isDict(v));

/** shlex.quote (Salt's `quote` filter is pipes.quote). */
export function shellQuote(s: string): string {
  if (s === '') return "''";
  if (!/[^\w@%+=:,./-]/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

function toNum(text: Value): Value {
  const s = typeof text === 'string' ? text.trim() : text;
  if (typeof s === 'number' || s instanceof PyFloat) return s;
  if (typeof s === 'string' && /^[-+]?\d+$/.test(s.replace(/_/g, ''))) return parseInt(s.replace(/_/g, ''), 10);
  if (typeof s === 'string' && s !== '' && !Number.isNaN(Number(s))) return new PyFloat(Number(s));
  return text;
}

function uuid5(name: string): string {
  // uuid.uuid5(GLOBAL_UUID, name) with Salt's namespace 91633EBF-1C86-5E33-935A-28061F4B480E
  const ns = Buffer.from('91633ebf1c865e33935a28061f4b480e', 'hex');
  const h = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Python ordering for min/max over plain numbers or strings. */
function pyLess(a: Value, b: Value): boolean {
  const num = (v: Value): number | undefined => (typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : v instanceof PyFloat ? v.value : undefined);
  const x = num(a), y = num(b);
  if (x !== undefined && y !== undefined) return x < y;
  if (typeof a === 'string' && typeof b === 'string') return a < b;
  throw typeError("'<' not supported between these types");
}

const notProvidedFilter = (name: string): FilterFn => () => {
  throw new JinjaError('NotProvided', `filter ${name} is not provided`);
};

export const saltFilters: Record<string, FilterFn> = {
  // SerializerExtension
  yaml: (_env, v, args, kwargs) => formatYaml(v, truthy(arg(args, kwargs, 0, 'flow_style', true))),
  json: (_env, v, args, kwargs) => jsonDumps(v, {
    sortKeys: truthy(arg(args, kwargs, 0, 'sort_keys', true)), indent: arg(args, kwargs, 1, 'indent', null) as number | null, ensureAscii: false,
  }).trim(),
  load_yaml: (env, v) => loadSaltYamlForTemplate(str(env, v)),
  load_json: (env, v) => parseJson(str(env, v)),
  load_text: (env, v) => str(env, v),
  xml: notProvidedFilter('xml'),
  python: notProvidedFilter('python'),
  // salt/utils/yamlencoding.py
  yaml_encode: (_env, v) => yamlEncode(v),
  yaml_dquote: (env, v) => yamlDquote(str(env, v)),
  yaml_squote: (env, v) => yamlSquote(str(env, v)),
  // salt/utils/jinja.py
  skip: () => '',
  sequence: (_env, v) => (Array.isArray(v) || isDict(v) ? v : [v]),
  to_bool: (env, v) => {
    if (v === null) return false;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') return ['yes', '1', 'true'].includes(v.toLowerCase());
    if (typeof v === 'number') return v > 0;
    if (!hashable(v)) return iterate(v).length > 0;
    return false;
  },
  tojson: (_env, v, args, kwargs) => {
    const indent = arg(args, kwargs, 0, 'indent', null);
    return jsonDumps(v, { ensureAscii: truthy(kwargs.get('ensure_ascii') ?? true), indent: indent as number | null, sortKeys: truthy(kwargs.get('sort_keys') ?? false) })
      .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
  },
  quote: (env, v) => shellQuote(str(env, v)),
  regex_escape: (env, v) => pyEscape(str(env, v)),
  regex_search: (env, v, args, kwargs) => {
    const m = pyRegex(str(env, arg(args, kwargs, 0, 'rgx', '')), regexFlags(args, kwargs, 1)).exec(str(env, v));
    return m ? groups(m) : null;
  },
  regex_match: (env, v, args, kwargs) => {
    const m = pyRegex(str(env, arg(args, kwargs, 0, 'rgx', '')), regexFlags(args, kwargs, 1), false, true).exec(str(env, v));
    return m ? groups(m) : null;
  },
  regex_replace: (env, v, args, kwargs) => {
    const re = pyRegex(str(env, arg(args, kwargs, 0, 'rgx', '')), regexFlags(args, kwargs, 2), true);
    const repl = pyReplacement(str(env, arg(args, kwargs, 1, 'val', '')));
    return str(env, v).replace(re, (...m: unknown[]) => {
      const last = m[m.length - 1];
      const named = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : undefined;
      const count = named ? m.length - 3 : m.length - 2;
      return repl(m.slice(0, count) as string[], named);
    });
  },
  uuid: (env, v) => uuid5(str(env, v)),
  unique: (_env, v) => {
    // Salt returns set(values) for a hashable input (a string, a tuple); umec keeps first-seen order there too
    const out: Value[] = [];
    for (const x of iterate(v)) if (!contains(out, x)) out.push(x);
    return out;
  },
  min: (_env, v) => { const xs = iterate(v); if (!xs.length) throw new JinjaError('ValueError', 'min() arg is an empty sequence'); return xs.reduce((a, b) => (pyLess(b, a) ? b : a)); },
  max: (_env, v) => { const xs = iterate(v); if (!xs.length) throw new JinjaError('ValueError', 'max() arg is an empty sequence'); return xs.reduce((a, b) => (pyLess(a, b) ? b : a)); },
  avg: (_env, v) => {
    if (hashable(v) && !(v instanceof Tuple)) return new PyFloat(Number(fromPy(v)));
    const xs = iterate(v).map((x) => Number(fromPy(x)));
    if (!xs.length) throw new JinjaError('ZeroDivisionError', 'division by zero');
    return new PyFloat(xs.reduce((a, b) => a + b, 0) / xs.length);
  },
  union: (_env, a, args) => { const out: Value[] = []; for (const x of [...iterate(a), ...iterate(args[0] ?? [])]) if (!contains(out, x)) out.push(x); return out; },
  intersect: (_env, a, args) => { const b = iterate(args[0] ?? []); const out: Value[] = []; for (const x of iterate(a)) if (contains(b, x) && !contains(out, x)) out.push(x); return out; },
  difference: (_env, a, args) => { const b = iterate(args[0] ?? []); const out: Value[] = []; for (const x of iterate(a)) if (!contains(b, x) && !contains(out, x)) out.push(x); return out; },
  symmetric_difference: (_env, a, args) => {
    const x = iterate(a), y = iterate(args[0] ?? []);
    const out: Value[] = [];
    for (const e of [...x, ...y]) if (!(contains(x, e) && contains(y, e)) && !contains(out, e)) out.push(e);
    return out;
  },
  // salt/utils/data.py
  traverse: (_env, v, args, kwargs) => traverse(v, arg(args, kwargs, 0, 'key', ''), arg(args, kwargs, 1, 'default', null), String(arg(args, kwargs, 2, 'delimiter', ':'))),
  is_list: (_env, v) => isList(v),
  is_iter: (_env, v) => typeof v !== 'string' && (Array.isArray(v) || isDict(v)),
  sorted_ignorecase: (env, v) => [...iterate(v)].sort((a, b) => { const x = str(env, a).toLowerCase(), y = str(env, b).toLowerCase(); return x < y ? -1 : x > y ? 1 : 0; }),
  json_query: (_env, v, args, kwargs) => toPy(jmesSearch(fromPy(v), String(arg(args, kwargs, 0, 'expr', '')))),
  exactly_one_true: (_env, v) => iterate(v).filter((x) => truthy(x)).length === 1,
  exactly_n_true: (_env, v, args) => iterate(v).filter((x) => truthy(x)).length === Number(args[0] ?? 1),
  to_num: (_env, v) => toNum(v),
  // salt/utils/hashutils.py
  base64_encode: (env, v) => Buffer.from(str(env, v), 'utf8').toString('base64'),
  base64_decode: (env, v) => Buffer.from(str(env, v), 'base64').toString('utf8'),
  md5: (env, v) => createHash('md5').update(str(env, v)).digest('hex'),
  sha1: (env, v) => createHash('sha1').update(str(env, v)).digest('hex'),
  sha256: (env, v) => createHash('sha256').update(str(env, v)).digest('hex'),
  sha512: (env, v) => createHash('sha512').update(str(env, v)).digest('hex'),
};

export const saltTests: Record<string, TestFn> = {
  match: (env, v, args, kwargs) => pyRegex(str(env, arg(args, kwargs, 0, 'rgx', '')), regexFlags(args, kwargs, 1), false, true).test(str(env, v)),
  equalto: (_env, v, args) => pyEq(v, args[0] ?? null),
  // Salt sets tests['list'] = salt.utils.data.is_list
  list: (_env, v) => isList(v),
};

/** Salt's extra globals: raise(msg) and odict (OrderedDict). */
export const saltGlobals: Record<string, Value> = {
  raise: new PyFunction('raise', (args) => { throw new JinjaError('TemplateRuntimeError', pyStr(args[0] ?? null)); }),
  odict: new PyFunction('OrderedDict', (args, kwargs) => {
    const m = new OrderedDict();
    const src = args[0];
    if (src instanceof Map) for (const [k, x] of src) m.set(k, x);
    else if (Array.isArray(src)) for (const p of src) { const [k, x] = iterate(p); m.set(k, x); }
    for (const [k, x] of kwargs) m.set(k, x);
    return m;
  }),
};
