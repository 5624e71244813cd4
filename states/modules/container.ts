import { UmecError } from '../../lib/errors.js';
import { convergeContainer, retiredName } from '../containers/converge.js';
import { bufferSource, type ImageSource } from '../containers/images.js';
import type { ContainerRuntime } from '../containers/runtime.js';
import { containerFields, toSpec, updateFields, updateSettings } from '../containers/spec.js';
import { isTreeUrl } from '../file-client.js';
import type { StateArgs, StateContext, StateModule, StateReturn } from '../types.js';

export function runtimeOf(ctx: StateContext): ContainerRuntime {
  const rt = ctx.drivers.containers;
  if (!rt) throw new UmecError('CONTAINER_RUNTIME', { endpoint: '(none)', reason: 'no container runtime is configured on this box (containers.socket in agent.yaml)' });
  return rt;
}

/** A registry image, or a docker-archive tarball from the state tree. */
export function imageSource(ctx: StateContext, source: string | undefined): ImageSource {
  if (source === undefined) return { kind: 'registry' };
  if (!isTreeUrl(source)) throw new UmecError('ARG_INVALID', { reason: `image source must be a umec:// tarball, got ${JSON.stringify(source)}` });
  return bufferSource(source, () => ctx.files.read(source));
}

const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

async function running(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  if (!CONTAINER_NAME.test(args.name)) throw new UmecError('ARG_INVALID', { reason: `container name ${JSON.stringify(args.name)} may hold only letters, digits, _ . -` });
  const rt = runtimeOf(ctx);
  const spec = toSpec(args.name, String(args.image), args);
  const r = await convergeContainer(rt, spec, { test: ctx.test, ...updateSettings(args), image: imageSource(ctx, args.image_source as string | undefined) });
  const changed = Object.keys(r.changes).length > 0;
  return { name: args.name, result: ctx.test && changed ? null : true, changes: r.changes, comment: r.comment };
}

async function absent(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const rt = runtimeOf(ctx);
  const found = (await Promise.all([args.name, retiredName(args.name)].map((n) => rt.inspectContainer(n)))).filter((c) => c !== undefined);
  if (!found.length) return { name: args.name, result: true, changes: {}, comment: `Container ${args.name} is absent` };
  if (ctx.test) return { name: args.name, result: null, changes: { [args.name]: 'removed' }, comment: `Container ${args.name} would be removed` };
  for (const c of found) {
    await rt.stopContainer(c.name, Number(args.stop_timeout));
    await rt.removeContainer(c.name);
  }
  return { name: args.name, result: true, changes: { [args.name]: 'removed' }, comment: `Container ${args.name} removed` };
}

export const containerModule: StateModule = {
  name: 'container',
  functions: {
    running: {
      schema: {
        type: 'object', required: ['image'], additionalProperties: false,
        properties: {
          image: { type: 'string', minLength: 1, pattern: '^[^\\s]+$' },
          /** umec:// docker-archive tarball; without it the image comes from a registry */
          image_source: { type: 'string', minLength: 1 },
          ...containerFields, ...updateFields,
        },
      },
      run: running,
    },
    absent: {
      schema: { type: 'object', additionalProperties: false, properties: { stop_timeout: updateFields.stop_timeout } },
      run: absent,
    },
  },
};
