/**
 * Filters over sequences and mappings. Where Jinja2 returns a generator (map, select, unique,
 * batch, ...) these return a PyIterator too: iterable once, printed as a generator, no len().
 */
import type { EvalEnv, FilterFn } from '../api.js';
import { JinjaError, typeError } from '../errors.js';
import { DictView } from '../py/methods.js';
import { binop, compare, dictGet, getattr, isUnsafeName, pyEq, typeName, undefinedError, unsafeAttribute } from '../py/ops.js';
import { NamedTuple, Namespace, PyObject, Tuple, Undefined, type Kwargs, type Value } from '../values.js';
import {
  asInt, bind, bool, checkDefined, filterArgumentError, generator, ignoreCase, iter, makeAttrGetter, makeMultiAttrGetter,
  pyIndex, pyLen, PyIterator, pySorted, REQUIRED, str, toList,
} from './support.js';

const length: FilterFn = (env, value, args, kwargs) => { bind('len', args, kwargs, []); return pyLen(env, value); };

const dflt: FilterFn = (env, value, args, kwargs) => {
  const [defaultValue, boolean] = bind('do_default', args, kwargs, [['default_value', ''], ['boolean', false]]);
  if (value instanceof Undefined || (bool(env, boolean) && !bool(env, value))) return defaultValue!;
  return value;
};

const attr: FilterFn = (_env, value, args, kwargs) => {
  const [name] = bind('do_attr', args, kwargs, [['name', REQUIRED]]);
  if (value instanceof Undefined) throw undefinedError(value);
  if (typeof name !== 'string') throw typeError(`attribute name must be string, not '${typeName(name)}'`);
  const v = attrOf(value, name);
  // attr looks up attributes only, through the sandbox: a '_' attribute that exists is unsafe
  return isUnsafeName(name) && !(v instanceof Undefined) ? unsafeAttribute(value, name) : v;
};

function attrOf(value: Value, name: string): Value {
  const missing = (): Undefined => new Undefined(name, `'${typeName(value)} object' has no attribute '${name}'`);
  // an attribute only, never the item getattr falls back to: a dict's methods exist on any dict
  if (value instanceof Map) return getattr(new Map(), name) instanceof Undefined ? missing() : getattr(value, name);
  if (Array.isArray(value) && !(value instanceof NamedTuple)) {
    const empty = value instanceof Tuple ? new Tuple() : [];
    return getattr(empty, name) instanceof Undefined ? missing() : getattr(value, name);
  }
  if (value instanceof PyObject) return value.getattr(name) ?? missing();
  if (value instanceof Namespace) return value.attrs.has(name) ? value.attrs.get(name)! : missing();
  const v = getattr(value, name);
  return v instanceof Undefined ? missing() : v;
}

const batch: FilterFn = (env, value, args, kwargs) => {
  const [linecountV, fillWith] = bind('do_batch', args, kwargs, [['linecount', REQUIRED], ['fill_with', null]]);
  return generator('do_batch', function* () {
    const strict = env.strictUndefined;
    let tmp: Value[] = [];
    for (const item of iter(env, value)) {
      if (pyEq(tmp.length, linecountV, strict)) { yield tmp; tmp = []; }
      tmp.push(item);
    }
    if (tmp.length) {
      if (fillWith !== null && compare('<', tmp.length, linecountV, strict)) {
        // [fill_with] * (linecount - len(tmp))
        const missing = binop('-', linecountV, tmp.length, strict);
        if (typeof missing !== 'number') throw typeError(`can't multiply sequence by non-int of type '${typeName(missing)}'`);
        for (let i = 0; i < missing; i++) tmp.push(fillWith);
      }
      yield tmp;
    }
  });
};

const slice: FilterFn = (env, value, args, kwargs) => {
  const [slicesV, fillWith] = bind('sync_do_slice', args, kwargs, [['slices', REQUIRED], ['fill_with', null]]);
  return generator('sync_do_slice', function* () {
    const seq = toList(env, value);
    const slices = asInt(slicesV);
    if (slices === 0) throw new JinjaError('ZeroDivisionError', 'integer division or modulo by zero');
    const perSlice = Math.floor(seq.length / slices);
    const withExtra = seq.length - perSlice * slices;
    let offset = 0;
    for (let n = 0; n < slices; n++) {
      const start = offset + n * perSlice;
      if (n < withExtra) offset += 1;
      const end = offset + (n + 1) * perSlice;
      const tmp = seq.slice(start, end);
      if (fillWith !== null && n >= withExtra) tmp.push(fillWith);
      yield tmp;
    }
  });
};

function mapItems(env: EvalEnv, value: Value, fname: string): [Value, Value][] {
  if (value instanceof Undefined) throw undefinedError(value);
  if (!(value instanceof Map)) throw new JinjaError('AttributeError', `'${typeName(value)}' object has no attribute 'items'`);
  void env; void fname;
  return [...value];
}

const dictsort: FilterFn = (env, value, args, kwargs) => {
  const [caseSensitive, by, reverse] = bind('do_dictsort', args, kwargs, [['case_sensitive', false], ['by', 'key'], ['reverse', false]]);
  let pos: 0 | 1;
  if (pyEq(by, 'key', env.strictUndefined)) pos = 0;
  else if (pyEq(by, 'value', env.strictUndefined)) pos = 1;
  else throw filterArgumentError('You can only sort by either "key" or "value"');
  const cs = bool(env, caseSensitive);
  const items = mapItems(env, value, 'do_dictsort').map(([k, v]) => Tuple.make([k, v]));
  return pySorted(items, (item) => (cs ? item[pos]! : ignoreCase(item[pos])), pyIndex(env, reverse) !== 0);
};

const items: FilterFn = (env, value, args, kwargs) => {
  bind('do_items', args, kwargs, []);
  return generator('do_items', function* () {
    if (value instanceof Undefined) return;
    if (!(value instanceof Map)) throw typeError('Can only get item pairs from a mapping.');
    for (const [k, v] of value) yield Tuple.make([k, v]);
  });
};

const first: FilterFn = (env, value, args, kwargs) => {
  bind('do_first', args, kwargs, []);
  for (const item of iter(env, value)) return item;
  return new Undefined(undefined, 'No first item, sequence was empty.');
};

/** reversed(v) as a list, failing like Python for what is not reversible. */
function reversedItems(env: EvalEnv, value: Value): { items: Value[]; kind: string } {
  if (value instanceof Undefined) { checkDefined(env, value); return { items: [], kind: 'reversed' }; }
  if (typeof value === 'string') return { items: Array.from(value).reverse(), kind: 'reversed' };
  if (value instanceof Tuple) return { items: [...value].reverse(), kind: 'reversed' };
  if (Array.isArray(value)) return { items: [...value].reverse(), kind: 'list_reverseiterator' };
  if (value instanceof Map) return { items: [...value.keys()].reverse(), kind: 'dict_reversekeyiterator' };
  if (value instanceof DictView) return { items: value.items().reverse(), kind: `dict_reverse${value.kind.replace(/s$/, '')}iterator` };
  throw typeError(`'${typeName(value)}' object is not reversible`);
}

const last: FilterFn = (env, value, args, kwargs) => {
  bind('do_last', args, kwargs, []);
  const { items: r } = reversedItems(env, value);
  return r.length ? r[0]! : new Undefined(undefined, 'No last item, sequence was empty.');
};

const random: FilterFn = (env, value, args, kwargs) => {
  bind('do_random', args, kwargs, []);
  const n = pyLen(env, value);
  if (n === 0) return new Undefined(undefined, 'No random item, sequence was empty.');
  const i = Math.floor(Math.random() * n);
  if (typeof value === 'string') return Array.from(value)[i];
  if (Array.isArray(value)) return value[i]!;
  if (value instanceof Map) {
    const v = dictGet(value, i);
    if (v !== undefined) return v;
    throw new JinjaError('KeyError', String(i));
  }
  throw typeError(`'${typeName(value)}' object is not subscriptable`);
};

const reverse: FilterFn = (env, value, args, kwargs) => {
  bind('do_reverse', args, kwargs, []);
  if (typeof value === 'string') return Array.from(value).reverse().join('');
  try {
    const { items: r, kind } = reversedItems(env, value);
    return new PyIterator(kind, undefined, r[Symbol.iterator]());
  } catch (e) {
    if (!(e instanceof JinjaError && e.kind === 'TypeError')) throw e;
    try {
      return toList(env, value).reverse();
    } catch (e2) {
      if (e2 instanceof JinjaError && e2.kind === 'TypeError') throw filterArgumentError('argument must be iterable');
      throw e2;
    }
  }
};

const list: FilterFn = (env, value, args, kwargs) => { bind('sync_do_list', args, kwargs, []); return toList(env, value); };

const join: FilterFn = (env, value, args, kwargs) => {
  const [d, attribute] = bind('sync_do_join', args, kwargs, [['d', ''], ['attribute', null]]);
  const sep = str(env, d);
  const get = attribute === null ? (v: Value) => v : makeAttrGetter(attribute);
  const parts: string[] = [];
  for (const item of iter(env, value)) parts.push(str(env, get(item)));
  return parts.join(sep);
};

function prepareMap(env: EvalEnv, args: Value[], kwargs: Kwargs): (item: Value) => Value {
  if (!args.length && kwargs.has('attribute')) {
    const rest = new Map(kwargs);
    const attribute = rest.get('attribute')!;
    rest.delete('attribute');
    const d = rest.has('default') ? rest.get('default')! : null;
    rest.delete('default');
    if (rest.size) throw filterArgumentError(`Unexpected keyword argument '${[...rest.keys()][0]}'`);
    return makeAttrGetter(attribute, undefined, d);
  }
  if (!args.length) throw filterArgumentError('map requires a filter argument');
  const [name, ...rest] = args;
  return (item) => env.callFilter(str(env, name), item, rest, kwargs);
}

const map: FilterFn = (env, value, args, kwargs) => generator('sync_do_map', function* () {
  if (!bool(env, value)) return;
  const func = prepareMap(env, args, kwargs);
  for (const item of iter(env, value)) yield func(item);
});

function selectOrReject(reject: boolean, lookupAttr: boolean): FilterFn {
  return (env, value, args, kwargs) => generator('select_or_reject', function* () {
    if (!bool(env, value)) return;
    let off = 0;
    let trans = (v: Value): Value => v;
    if (lookupAttr) {
      if (!args.length) throw filterArgumentError('Missing parameter for attribute name');
      trans = makeAttrGetter(args[0]);
      off = 1;
    }
    const test = args.length > off
      ? (v: Value): boolean => env.callTest(str(env, args[off]), v, args.slice(off + 1), kwargs)
      : (v: Value): boolean => bool(env, v);
    for (const item of iter(env, value)) {
      if (test(trans(item)) !== reject) yield item;
    }
  });
}

const sort: FilterFn = (env, value, args, kwargs) => {
  const [reverse, caseSensitive, attribute] = bind('do_sort', args, kwargs, [['reverse', false], ['case_sensitive', false], ['attribute', null]]);
  const key = makeMultiAttrGetter(attribute, bool(env, caseSensitive) ? undefined : ignoreCase);
  return pySorted(toList(env, value), (v) => (attribute === null ? key(v)[0]! : key(v)), pyIndex(env, reverse) !== 0);
};

/** Python's set membership: hash (which fails for lists and dicts), then ==. */
function checkHashable(env: EvalEnv, v: Value): void {
  if (v instanceof Undefined) { checkDefined(env, v); return; }
  if (v instanceof Tuple) { for (const x of v) checkHashable(env, x); return; }
  if (Array.isArray(v) || v instanceof Map) throw typeError(`unhashable type: '${typeName(v)}'`);
}

const unique: FilterFn = (env, value, args, kwargs) => {
  const [caseSensitive, attribute] = bind('sync_do_unique', args, kwargs, [['case_sensitive', false], ['attribute', null]]);
  return generator('sync_do_unique', function* () {
    const getter = makeAttrGetter(attribute, bool(env, caseSensitive) ? undefined : ignoreCase);
    const seen: Value[] = [];
    for (const item of iter(env, value)) {
      const key = getter(item);
      checkHashable(env, key);
      if (!seen.some((s) => pyEq(s, key, env.strictUndefined))) {
        seen.push(key);
        yield item;
      }
    }
  });
};

function minOrMax(op: '<' | '>', fname: string): FilterFn {
  return (env, value, args, kwargs) => {
    const [caseSensitive, attribute] = bind(fname, args, kwargs, [['case_sensitive', false], ['attribute', null]]);
    const it = iter(env, value)[Symbol.iterator]();
    const firstItem = it.next();
    if (firstItem.done) return new Undefined(undefined, 'No aggregated item, sequence was empty.');
    const key = makeAttrGetter(attribute, bool(env, caseSensitive) ? undefined : ignoreCase);
    let best = firstItem.value;
    let bestKey = key(best);
    for (let n = it.next(); !n.done; n = it.next()) {
      const k = key(n.value);
      if (compare(op, k, bestKey, env.strictUndefined)) { best = n.value; bestKey = k; }
    }
    return best;
  };
}

const sum: FilterFn = (env, value, args, kwargs) => {
  const [attribute, start] = bind('sync_do_sum', args, kwargs, [['attribute', null], ['start', 0]]);
  if (typeof start === 'string') throw typeError("sum() can't sum strings [use ''.join(seq) instead]");
  const get = attribute === null ? (v: Value) => v : makeAttrGetter(attribute);
  let acc: Value = start;
  for (const item of iter(env, value)) acc = binop('+', acc, get(item), env.strictUndefined);
  return acc;
};

const groupby: FilterFn = (env, value, args, kwargs) => {
  const [attribute, d, caseSensitive] = bind('sync_do_groupby', args, kwargs, [['attribute', REQUIRED], ['default', null], ['case_sensitive', false]]);
  const cs = bool(env, caseSensitive);
  const expr = makeAttrGetter(attribute, cs ? undefined : ignoreCase, d);
  const groups: { key: Value; items: Value[] }[] = [];
  for (const item of pySorted(toList(env, value), expr)) {
    const k = expr(item);
    const g = groups[groups.length - 1];
    if (g && pyEq(g.key, k, env.strictUndefined)) g.items.push(item);
    else groups.push({ key: k, items: [item] });
  }
  // case-insensitive grouping still shows the first item's own spelling of the key
  const output = cs ? undefined : makeAttrGetter(attribute, undefined, d);
  return groups.map((g) => new NamedTuple(['grouper', 'list'], [output ? output(g.items[0]) : g.key, g.items]));
};

export const sequenceFilters: Record<string, FilterFn> = {
  attr, batch, count: length, length, d: dflt, default: dflt, dictsort, first, groupby, items, join, last, list, map,
  max: minOrMax('>', 'do_max'), min: minOrMax('<', 'do_min'), random, reject: selectOrReject(true, false),
  rejectattr: selectOrReject(true, true), reverse, select: selectOrReject(false, false),
  selectattr: selectOrReject(false, true), slice, sort, sum, unique,
};
