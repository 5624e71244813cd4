/** Every builtin filter of Jinja2 3.1, by the names templates use. */
import type { FilterFn } from '../api.js';
import { bind } from './support.js';
import { numberFilters } from './filters-num.js';
import { sequenceFilters } from './filters-seq.js';
import { textFilters } from './filters-text.js';
import { htmlsafeJsonDumps } from './json.js';
import { pformat } from './pprint.js';
import { asInt } from './support.js';

const tojson: FilterFn = (env, value, args, kwargs) => {
  const [indent] = bind('do_tojson', args, kwargs, [['indent', null]]);
  const ind = indent === null ? null : typeof indent === 'string' ? indent : ' '.repeat(Math.max(0, asInt(indent)));
  return htmlsafeJsonDumps(env, value, ind);
};

const pprint: FilterFn = (_env, value, args, kwargs) => {
  bind('do_pprint', args, kwargs, []);
  return pformat(value);
};

export const builtinFilters: Record<string, FilterFn> = {
  ...numberFilters,
  ...sequenceFilters,
  ...textFilters,
  tojson,
  pprint,
};
