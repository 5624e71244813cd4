/**
 * The tojson filter: Jinja2's htmlsafe_json_dumps, i.e. Python's json.dumps(value,
 * sort_keys=True, indent=indent) with <, >, & and ' written as \u escapes.
 */
import type { EvalEnv } from '../api.js';
import { jsonDumps as pyJsonDumps } from '../py/json.js';
import type { Value } from '../values.js';

/** json.dumps(value, sort_keys=True, indent=indent) */
export function jsonDumps(env: EvalEnv, value: Value, indent: string | null): string {
  return pyJsonDumps(value, { sortKeys: true, indent, strictUndefined: env.strictUndefined });
}

export function htmlsafeJsonDumps(env: EvalEnv, value: Value, indent: string | null): string {
  return jsonDumps(env, value, indent)
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
}
