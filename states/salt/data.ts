/**
 * Salt's data helpers the template functions share, on Python values:
 * salt.utils.data.traverse_dict_and_list, salt.utils.dictupdate.update/merge, copy.deepcopy,
 * and salt.utils.data.filter_by (its fnmatch.fnmatchcase is lib/fnmatch.ts).
 */
import { fnmatch } from '../../lib/fnmatch.js';
import { JinjaError, typeError } from '../jinja/errors.js';
import { pyEq, pyStr, truthy } from '../jinja/py/ops.js';
import { Namespace, PyFloat, Tuple, type Value } from '../jinja/values.js';
import { OrderedDict } from './yaml-load.js';
import { constructScalar, resolvePlain } from './yaml-scalar.js';

export const isDict = (v: unknown): v is Map<Value, Value> => v instanceof Map;
export const isList = (v: unknown): v is Value[] => Array.isArray(v) && !(v instanceof Tuple);

/** Python `x in list`. */
export const contains = (list: Value[], x: Value): boolean => list.some((y) => pyEq(y, x));

/** A key that did not match as text may be an int/float key in the data (salt.utils.args.yamlify_arg). */
function yamlifyKey(each: string): Value {
  const tag = resolvePlain(each);
  if (tag === 'int' || tag === 'float' || tag === 'bool' || tag === 'null') return constructScalar(tag, each);
  return each;
}

/** salt.utils.data.traverse_dict_and_list(data, key, default, delimiter). */
export function traverse(data: Value, key: Value, dflt: Value, delimiter = ':'): Value {
  const parts: Value[] = typeof key === 'string' ? key.split(delimiter) : typeof key === 'number' ? [key] : Array.isArray(key) ? key : [key];
  let ptr: Value = data;
  for (const each of parts) {
    if (Array.isArray(ptr)) {
      const idx = typeof each === 'number' ? each : typeof each === 'string' && /^\s*[-+]?\d+\s*$/.test(each) ? parseInt(each, 10) : undefined;
      const probe: Value = idx ?? each;
      // a list of dicts: the key (or the index used as a key) is looked up in each embedded dict
      const embedded = ptr.find((x) => isDict(x) && mapHas(x, probe)) as Map<Value, Value> | undefined;
      if (embedded) { ptr = mapGet(embedded, probe)!; continue; }
      if (idx === undefined) return dflt;
      const i = idx < 0 ? ptr.length + idx : idx;
      if (i < 0 || i >= ptr.length) return dflt;
      ptr = ptr[i]!;
    } else if (isDict(ptr)) {
      if (mapHas(ptr, each)) { ptr = mapGet(ptr, each)!; continue; }
      if (typeof each !== 'string') return dflt;
      const loaded = yamlifyKey(each);
      if (loaded === each || !mapHas(ptr, loaded)) return dflt;
      ptr = mapGet(ptr, loaded)!;
    } else return dflt; // indexing a string or a number: TypeError in Salt, which returns the default
  }
  return ptr;
}

/** dict lookup with Python key equality (1 == 1.0 == True). */
export function mapHas(m: Map<Value, Value>, k: Value): boolean {
  if (m.has(k)) return true;
  if (typeof k === 'string') return false;
  for (const key of m.keys()) if (typeof key !== 'string' && pyEq(key, k)) return true;
  return false;
}
export function mapGet(m: Map<Value, Value>, k: Value): Value | undefined {
  if (m.has(k)) return m.get(k);
  if (typeof k === 'string') return undefined;
  for (const [key, v] of m) if (typeof key !== 'string' && pyEq(key, k)) return v;
  return undefined;
}

/** copy.deepcopy (identity kept for objects met twice, as Python's memo does). */
export function deepcopy(v: Value, memo = new Map<object, Value>()): Value {
  if (v === null || typeof v !== 'object' || v instanceof PyFloat) return v;
  const seen = memo.get(v);
  if (seen !== undefined) return seen;
  if (v instanceof Tuple) { const t = new Tuple(); memo.set(v, t); for (const x of v) t.push(deepcopy(x, memo)); return t; }
  if (Array.isArray(v)) { const a: Value[] = []; memo.set(v, a); for (const x of v) a.push(deepcopy(x, memo)); return a; }
  if (v instanceof Map) {
    const m: Map<Value, Value> = v instanceof OrderedDict ? new OrderedDict() : new Map();
    memo.set(v, m);
    for (const [k, x] of v) m.set(k, deepcopy(x, memo));
    return m;
  }
  if (v instanceof Namespace) { const n = new Namespace(); memo.set(v, n); for (const [k, x] of v.attrs) n.attrs.set(k, deepcopy(x, memo)); return n; }
  return v;
}

/** salt.utils.dictupdate.update(dest, upd, recursive_update=True, merge_lists=False): in place, returns dest. */
export function update(dest: Value, upd: Value, recursiveUpdate = true, mergeLists = false): Map<Value, Value> {
  if (!isDict(dest) || !isDict(upd)) throw typeError('Cannot update using non-dict types in dictupdate.update()');
  const keys = [...upd.keys()];
  if (!keys.some((k) => mapHas(dest, k))) recursiveUpdate = false;
  for (const key of keys) {
    const val = upd.get(key)!;
    const sub = recursiveUpdate ? mapGet(dest, key) : undefined;
    if (isDict(sub) && isDict(val)) dest.set(key, update(sub, val, true, mergeLists));
    else if (mergeLists && isList(sub) && isList(val)) {
      const merged = deepcopy(sub) as Value[];
      for (const x of val) if (!contains(merged, x)) merged.push(x);
      dest.set(key, merged);
    } else dest.set(key, val);
  }
  return dest;
}

/** salt.utils.dictupdate.merge(obj_a, obj_b, strategy='smart', renderer='yaml', merge_lists=False). */
export function merge(a: Value, b: Value, strategy = 'smart', renderer = 'yaml', mergeLists = false): Value {
  if (strategy === 'smart') strategy = renderer.split('|').pop() === 'yamlex' || renderer.startsWith('yamlex_') ? 'aggregate' : 'recurse';
  switch (strategy) {
    case 'list': {
      if (!isDict(a) || !isDict(b)) throw typeError('merge strategy list needs two dicts');
      const ret = new Map<Value, Value>();
      for (const [k, v] of a) ret.set(k, mapHas(b, k) ? [v, mapGet(b, k)!] : v);
      return ret;
    }
    case 'overwrite':
      if (isDict(a) && isDict(b)) for (const [k, v] of b) if (mapHas(a, k)) a.set(k, v);
      return update(deepcopy(a), b, true, mergeLists);
    case 'aggregate':
      throw new JinjaError('NotProvided', "merge strategy 'aggregate' (yamlex) is not provided");
    case 'recurse':
      return update(deepcopy(a), b, true, mergeLists);
    default: // Salt logs "Unknown merging strategy" and falls back to recurse
      return update(deepcopy(a), b);
  }
}

/** salt.utils.data.filter_by(lookup_dict, lookup, traverse, merge, default, base). */
export function filterBy(lookupDict: Value, lookup: string, data: Value, mergeWith: Value = null, dflt: Value = 'default', base: Value = null): Value {
  if (!isDict(lookupDict)) throw typeError('filter_by lookup_dict must be a dict');
  let ret: Value | undefined;
  const val = traverse(data, lookup, []);
  for (const each of Array.isArray(val) ? val : [val]) {
    const testEach = typeof each === 'string' ? each : pyStr(each);
    for (const [key, v] of lookupDict) {
      if (fnmatch(testEach, typeof key === 'string' ? key : pyStr(key))) { ret = v; break; }
    }
    if (ret !== undefined && ret !== null) break;
  }
  if (ret === undefined || ret === null) ret = mapGet(lookupDict, dflt) ?? null;
  if (truthy(base) && mapHas(lookupDict, base)) {
    const baseValues = mapGet(lookupDict, base)!;
    if (ret === null) ret = baseValues;
    else if (isDict(baseValues)) {
      if (!isDict(ret)) throw new JinjaError('TemplateRuntimeError', 'filter_by default and look-up values must both be dictionaries.');
      ret = update(deepcopy(baseValues), ret);
    }
  }
  if (truthy(mergeWith)) {
    if (!isDict(mergeWith)) throw new JinjaError('TemplateRuntimeError', 'filter_by merge argument must be a dictionary.');
    if (ret === null) ret = mergeWith;
    else update(ret, deepcopy(mergeWith));
  }
  return ret;
}
