import type { StateFunction, StateModule, StateReturn } from '../types.js';

const noArgs = { type: 'object', properties: {}, additionalProperties: false };

/** Salt's test.mod_watch. */
async function watchFired(args: { name: string }): Promise<StateReturn> {
  return { name: args.name, result: true, changes: {}, comment: 'Watch statement fired.' };
}

function fixed(result: boolean, changed: boolean, comment: (n: string) => string): StateFunction {
  return {
    schema: noArgs,
    async run(args, ctx): Promise<StateReturn> {
      const changes = changed ? { testing: { old: 'Unchanged', new: 'Something pretended to change' } } : {};
      return { name: args.name, result: ctx.test && changed && result ? null : result, changes, comment: comment(args.name) };
    },
    modWatch: watchFired,
  };
}

/** Salt's test states, for exercising requisites and output without touching the box. */
export const testModule: StateModule = {
  name: 'test',
  functions: {
    nop: fixed(true, false, () => 'Success!'),
    succeed_without_changes: fixed(true, false, () => 'Success!'),
    fail_without_changes: fixed(false, false, () => 'Failure!'),
    succeed_with_changes: fixed(true, true, () => 'Success!'),
    fail_with_changes: fixed(false, true, () => 'Failure!'),
    show_notification: {
      schema: { type: 'object', properties: { text: { type: 'string' } }, additionalProperties: false },
      async run(args) {
        return { name: args.name, result: true, changes: {}, comment: String(args.text ?? '') };
      },
    },
    configurable_test_state: {
      schema: {
        type: 'object',
        properties: {
          changes: { anyOf: [{ type: 'boolean' }, { enum: ['Random'] }], default: true },
          result: { anyOf: [{ type: 'boolean' }, { enum: ['Random'] }], default: true },
          comment: { type: 'string', default: '' },
          warnings: { type: 'string' },
        },
        additionalProperties: false,
      },
      async run(args, ctx) {
        const pick = (v: unknown) => (v === 'Random' ? Math.random() < 0.5 : v === true);
        const changed = pick(args.changes);
        const result = pick(args.result);
        const changes = changed ? { testing: { old: 'Unchanged', new: 'Something pretended to change' } } : {};
        return { name: args.name, result: ctx.test && changed ? null : result, changes, comment: String(args.comment) };
      },
      modWatch: watchFired,
    },
  },
};
