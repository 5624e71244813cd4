import { createHash } from 'node:crypto';
import { APP_IDENTITY_ENV, identityEnv } from '../../lib/app-identity.js';
import { UmecError } from '../../lib/errors.js';
import type { AppPackage } from '../apps/package.js';
import { treePackage } from '../apps/tree-package.js';
import { convergeContainer, retiredName } from '../containers/converge.js';
import { updateFields, toSpec, updateSettings } from '../containers/spec.js';
import type { StateArgs, StateContext, StateModule, StateReturn } from '../types.js';
import { runtimeOf } from './container.js';

export const APP_LABEL = 'umec.app';
/** Not hashed (states/containers/plan.ts): the version that created the container. */
export const APP_VERSION_LABEL = 'umec.app-version';
export const APP_INSTANCE_LABEL = 'umec.app-instance';
/** Hash of the identity env: the credentials are not in the spec hash, so a dry run need not create them. */
export const APP_IDENTITY_LABEL = 'umec.app-identity';
const IDENTITY_KEYS = Object.values(APP_IDENTITY_ENV);

/** One instance per app and box; the id is stable so the identity survives redeploys. */
export function appInstanceId(boxId: string, app: string): string {
  const h = createHash('sha256').update(`umec-app-instance\0${boxId}\0${app}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${(8 | (parseInt(h[16], 16) & 3)).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function appContainerName(app: string, container: string): string { return `${app}-${container}`; }

async function loadPackage(args: StateArgs, ctx: StateContext): Promise<AppPackage> {
  const source = args.source as string | undefined;
  const version = args.version as string | undefined;
  let pkg: AppPackage;
  if (source) {
    pkg = await treePackage(ctx.files, source);
  } else {
    if (!ctx.drivers.appPackages) throw new UmecError('ARG_INVALID', { reason: 'no app catalog here (local apply): give source: umec://<package dir or tar>' });
    pkg = await ctx.drivers.appPackages.get(args.name, version);
  }
  const d = pkg.descriptor;
  if (d.name !== args.name) throw new UmecError('APP_PACKAGE', { file: pkg.origin, reason: `holds app ${d.name}, not ${args.name}` });
  if (version !== undefined && d.version !== version) throw new UmecError('APP_PACKAGE', { file: pkg.origin, reason: `holds version ${d.version}, not ${version}` });
  return pkg;
}

async function deployed(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const rt = runtimeOf(ctx);
  const provider = ctx.drivers.appIdentity;
  if (!provider) throw new UmecError('CONTAINER_RUNTIME', { endpoint: rt.endpoint, reason: 'no app identity provider (Mp1) is configured' });
  const pkg = await loadPackage(args, ctx);
  const d = pkg.descriptor;
  const instance = appInstanceId(String(ctx.grains.id ?? ctx.opts.id ?? ''), d.name);
  // a dry run issues no credentials: it assumes the identity the containers already carry
  const env = ctx.test ? {} : identityEnv(await provider.ensure(instance, { appName: d.name, appVersion: d.version }), provider.endpoint());
  const idHash = ctx.test ? undefined : createHash('sha256').update(JSON.stringify(env)).digest('hex').slice(0, 16);
  const upd = updateSettings({ ...d, ...Object.fromEntries(['update_strategy', 'grace_period', 'stop_timeout'].filter((k) => args[k] !== undefined).map((k) => [k, args[k]])) });
  const labels = { [APP_LABEL]: d.name, [APP_VERSION_LABEL]: d.version, [APP_INSTANCE_LABEL]: instance };

  const changes: Record<string, unknown> = {};
  const lines: string[] = [];
  const wanted = new Set<string>();
  for (const c of d.containers) {
    const cname = appContainerName(d.name, c.name);
    wanted.add(cname);
    // the identity wins over anything the package sets under the same names
    const idLabel = idHash ?? (await rt.inspectContainer(cname))?.labels[APP_IDENTITY_LABEL] ?? 'to be issued';
    const spec = toSpec(cname, c.image, c, { env, labels: { ...labels, [APP_IDENTITY_LABEL]: idLabel } });
    try {
      const r = await convergeContainer(rt, spec, {
        test: ctx.test, ...upd, image: c.image_file ? pkg.image(c.image_file) : { kind: 'registry' }, unhashedEnv: IDENTITY_KEYS,
      });
      Object.assign(changes, r.changes);
      lines.push(r.comment);
    } catch (e) {
      lines.push((e as Error).message);
      return { name: args.name, result: false, changes: Object.keys(changes).length ? { containers: changes } : {}, comment: lines.join('\n') };
    }
  }
  const stale = (await rt.listContainers({ [APP_LABEL]: d.name })).filter((c) => !wanted.has(c.name) && !wanted.has(c.name.replace(/\.umec-previous$/, '')));
  for (const c of stale) {
    changes[c.name] = 'removed';
    lines.push(`Container ${c.name} ${ctx.test ? 'would be removed' : 'removed'} (not in version ${d.version})`);
    if (!ctx.test) { await rt.stopContainer(c.name, upd.stopTimeout); await rt.removeContainer(c.name); }
  }
  const changed = Object.keys(changes).length > 0;
  const head = changed ? `App ${d.name} ${d.version} ${ctx.test ? 'would be deployed' : 'deployed'} (instance ${instance})` : `App ${d.name} ${d.version} is deployed (instance ${instance})`;
  return {
    name: args.name, result: ctx.test && changed ? null : true,
    changes: changed ? { version: d.version, containers: changes } : {}, comment: [head, ...lines].join('\n'),
  };
}

async function absent(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const rt = runtimeOf(ctx);
  const found = await rt.listContainers({ [APP_LABEL]: args.name });
  const instance = appInstanceId(String(ctx.grains.id ?? ctx.opts.id ?? ''), args.name);
  if (!found.length) {
    if (!ctx.test) await ctx.drivers.appIdentity?.remove(instance);
    return { name: args.name, result: true, changes: {}, comment: `App ${args.name} is not deployed` };
  }
  const names = found.map((c) => c.name).sort();
  if (ctx.test) return { name: args.name, result: null, changes: { removed: names }, comment: `App ${args.name} would be removed` };
  // stopped side by side: each may take its whole stop timeout
  await Promise.all(found.map(async (c) => {
    await rt.stopContainer(c.name, Number(args.stop_timeout));
    await rt.removeContainer(c.name);
    await rt.removeContainer(retiredName(c.name));
  }));
  await ctx.drivers.appIdentity?.remove(instance);
  return { name: args.name, result: true, changes: { removed: names }, comment: `App ${args.name} removed (${names.join(', ')})` };
}

export const appModule: StateModule = {
  name: 'app',
  functions: {
    deployed: {
      schema: {
        type: 'object', additionalProperties: false,
        properties: {
          version: { type: 'string', minLength: 1 },
          /** umec:// package (a directory with app.yaml, or a tar of one); without it the master's catalog */
          source: { type: 'string', minLength: 1 },
          update_strategy: { enum: updateFields.update_strategy.enum },
          grace_period: { type: 'number', minimum: 0 },
          stop_timeout: { type: 'integer', minimum: 0 },
        },
      },
      run: deployed,
    },
    absent: {
      schema: { type: 'object', additionalProperties: false, properties: { stop_timeout: updateFields.stop_timeout } },
      run: absent,
    },
  },
};
