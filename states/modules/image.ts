import { fetchImage, imageTarget } from '../containers/images.js';
import type { StateArgs, StateContext, StateModule, StateReturn } from '../types.js';
import { imageSource, runtimeOf } from './container.js';

async function present(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const rt = runtimeOf(ctx);
  const src = imageSource(ctx, args.source as string | undefined);
  const target = await imageTarget(rt, args.name, src);
  if (target.local) return { name: args.name, result: true, changes: {}, comment: `Image ${args.name} is present (${target.id})` };
  const from = src.kind === 'registry' ? 'registry' : src.what;
  if (ctx.test) return { name: args.name, result: null, changes: { [args.name]: { from } }, comment: `Image ${args.name} would be fetched from ${from}` };
  const how = await fetchImage(rt, args.name, src, target);
  const now = await rt.inspectImage(args.name);
  return { name: args.name, result: true, changes: { [args.name]: { [how]: now?.id ?? target.id } }, comment: `Image ${args.name} ${how}` };
}

async function absent(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const rt = runtimeOf(ctx);
  const have = await rt.inspectImage(args.name);
  if (!have) return { name: args.name, result: true, changes: {}, comment: `Image ${args.name} is absent` };
  if (ctx.test) return { name: args.name, result: null, changes: { [args.name]: 'removed' }, comment: `Image ${args.name} would be removed` };
  await rt.removeImage(args.name);
  return { name: args.name, result: true, changes: { [args.name]: 'removed' }, comment: `Image ${args.name} removed` };
}

export const imageModule: StateModule = {
  name: 'image',
  functions: {
    present: {
      schema: { type: 'object', additionalProperties: false, properties: { source: { type: 'string', minLength: 1 } } },
      run: present,
    },
    absent: { schema: { type: 'object', additionalProperties: false, properties: {} }, run: absent },
  },
};
