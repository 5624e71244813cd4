import { readlink, rm, symlink, unlink, rename } from 'node:fs/promises';
import type { StateFunction } from '../../types.js';
import { ensureParent, fail, requireAbsolute, statOrUndefined } from './common.js';

/** Salt's file.absent; like Salt (`absent(name, **kwargs)`) it accepts and ignores other arguments. */
export const absent: StateFunction = {
  schema: { type: 'object', properties: {}, additionalProperties: true },
  async run(a, ctx) {
    const bad = requireAbsolute(a.name);
    if (bad) return bad;
    if (a.name.replace(/\/+$/, '') === '') return fail(a.name, 'Refusing to remove the root directory');
    const st = await statOrUndefined(a.name);
    if (!st) return { name: a.name, result: true, changes: {}, comment: `File ${a.name} is not present` };
    const what = st.isDirectory() ? 'directory' : 'file';
    if (ctx.test) return { name: a.name, result: null, changes: { removed: a.name }, comment: `File ${a.name} is set for removal` };
    await rm(a.name, { recursive: true, force: true });
    return { name: a.name, result: true, changes: { removed: a.name }, comment: `Removed ${what} ${a.name}` };
  },
};

/** Salt's file.symlink. */
export const symlinkState: StateFunction = {
  schema: {
    type: 'object',
    properties: {
      target: { type: 'string', minLength: 1 },
      force: { type: 'boolean', default: false },
      makedirs: { type: 'boolean', default: false },
      user: { type: 'string' }, group: { type: 'string' },
    },
    required: ['target'],
    additionalProperties: false,
  },
  async run(a, ctx) {
    const bad = requireAbsolute(a.name);
    if (bad) return bad;
    const target = String(a.target);
    const st = await statOrUndefined(a.name);
    if (st?.isSymbolicLink() && await readlink(a.name) === target) {
      return { name: a.name, result: true, changes: {}, comment: `Symlink ${a.name} is present and owned by the right user` };
    }
    if (st && !st.isSymbolicLink() && !a.force) {
      return fail(a.name, `File exists where the symlink ${a.name} should be (set force: true to replace it)`);
    }
    const changes = st ? { change: a.name } : { new: a.name };
    if (ctx.test) return { name: a.name, result: null, changes, comment: `Symlink ${a.name} to ${target} is set for creation` };
    const parentErr = await ensureParent(a.name, a.makedirs as boolean);
    if (parentErr) return fail(a.name, parentErr);
    // create beside and rename over, so the path never disappears
    const tmp = `${a.name}.umec-tmp-${process.pid}`;
    await unlink(tmp).catch(() => undefined);
    await symlink(target, tmp);
    if (st?.isDirectory()) await rm(a.name, { recursive: true, force: true });
    await rename(tmp, a.name);
    return { name: a.name, result: true, changes, comment: st ? `Set symlink ${a.name} to point to ${target}` : `Created new symlink ${a.name} -> ${target}` };
  },
};
