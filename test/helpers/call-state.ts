import assert from 'node:assert/strict';
import { StateRegistry } from '../../states/registry.js';
import type { Drivers, StateModule, StateReturn } from '../../states/types.js';
import { makeContext } from './context.js';

/**
 * Calls one function of `module` the way the executor does: validates the function's own
 * arguments against its schema (Salt's defaults filled in), then runs it with `drivers`.
 */
export function stateCaller(module: StateModule, drivers: Partial<Drivers>, grains?: Record<string, unknown>) {
  const registry = new StateRegistry([module]);
  return async (fun: string, args: Record<string, unknown> & { name: string }, test = false): Promise<StateReturn> => {
    const { name, ...own } = args;
    const { args: valid, errors } = registry.validate(module.name, fun, own);
    assert.deepEqual(errors, [], `arguments of ${module.name}.${fun}`);
    return module.functions[fun].run({ ...valid, name }, makeContext({ test, drivers, grains }));
  };
}
