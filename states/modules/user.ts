import type { StateArgs, StateContext, StateModule, StateReturn, UserDriver, UserInfo } from '../types.js';
import { errMsg, removeAccount } from './account-common.js';

function sameSet(a: string[], b: string[]): boolean {
  const sa = [...new Set(a)].sort();
  const sb = [...new Set(b)].sort();
  return sa.length === sb.length && sa.every((v, i) => v === sb[i]);
}

/** Salt's fullname is the first comma-separated GECOS field. */
function fullnameOf(gecos: string): string {
  return gecos.split(',')[0] ?? '';
}

/** Replaces the first GECOS field, keeping room/phone fields. */
function withFullname(gecos: string, fullname: string): string {
  const parts = gecos.split(',');
  parts[0] = fullname;
  return parts.join(',');
}

function describe(u: UserInfo): Record<string, unknown> {
  return {
    name: u.name, uid: u.uid, gid: u.gid, home: u.home, shell: u.shell,
    groups: [...u.groups], fullname: fullnameOf(u.gecos),
  };
}

function listChanges(changes: Record<string, unknown>): string {
  return Object.entries(changes)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join('\n');
}

/** Resolves a gid argument (number or group name) to a number; undefined when the group is missing. */
async function resolveGid(users: UserDriver, gid: number | string): Promise<number | undefined> {
  if (typeof gid === 'number') return gid;
  if (/^\d+$/.test(gid)) return Number(gid);
  return (await users.getGroup(gid))?.gid;
}

/** Name of the group with this gid among the given names' groups (for primary-group bookkeeping). */
async function groupNameFor(users: UserDriver, gid: number, candidates: string[]): Promise<string | undefined> {
  for (const n of candidates) {
    const g = await users.getGroup(n);
    if (g && g.gid === gid) return n;
  }
  return undefined;
}

const presentSchema = {
  type: 'object',
  properties: {
    uid: { type: 'integer', minimum: 0 },
    gid: { type: ['integer', 'string'] },
    home: { type: 'string' },
    shell: { type: 'string' },
    groups: { type: 'array', items: { type: 'string' } },
    optional_groups: { type: 'array', items: { type: 'string' } },
    remove_groups: { type: 'boolean', default: true },
    createhome: { type: 'boolean', default: true },
    system: { type: 'boolean', default: false },
    fullname: { type: 'string' },
  },
  additionalProperties: false,
};

async function present(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const ret: StateReturn = { name, result: true, changes: {}, comment: '' };
  const users = ctx.drivers.users;
  const uid = args.uid as number | undefined;
  const gidArg = args.gid as number | string | undefined;
  const home = args.home as string | undefined;
  const shell = args.shell as string | undefined;
  const groups = args.groups as string[] | undefined;
  const optionalGroups = args.optional_groups as string[] | undefined;
  const removeGroups = (args.remove_groups as boolean | undefined) ?? true;
  const createhome = (args.createhome as boolean | undefined) ?? true;
  const system = (args.system as boolean | undefined) ?? false;
  const fullname = args.fullname as string | undefined;

  try {
    // Required groups must exist; optional ones are used only when they do.
    const missing: string[] = [];
    for (const g of groups ?? []) if (!(await users.getGroup(g))) missing.push(g);
    let gid: number | undefined;
    if (gidArg !== undefined) {
      gid = await resolveGid(users, gidArg);
      if (gid === undefined) missing.push(String(gidArg));
    }
    if (missing.length > 0) {
      ret.result = false;
      ret.comment = `The following group(s) are not present: ${[...new Set(missing)].join(',')}`;
      return ret;
    }
    const presentOptional: string[] = [];
    for (const g of optionalGroups ?? []) if (await users.getGroup(g)) presentOptional.push(g);
    const manageGroups = groups !== undefined || optionalGroups !== undefined;
    const wanted = [...new Set([...(groups ?? []), ...presentOptional])].sort();

    const cur = await users.getUser(name);
    if (!cur) {
      // A same-named group that already exists becomes the primary group (useradd would refuse).
      let gidForAdd: number | string | undefined = gid;
      if (gidForAdd === undefined) {
        const own = await users.getGroup(name);
        if (own) gidForAdd = own.gid;
      }
      if (ctx.test) {
        const predicted: Record<string, unknown> = { name };
        if (uid !== undefined) predicted.uid = uid;
        if (gidForAdd !== undefined) predicted.gid = gidForAdd;
        if (home !== undefined) predicted.home = home;
        if (shell !== undefined) predicted.shell = shell;
        if (manageGroups) predicted.groups = wanted;
        if (fullname !== undefined) predicted.fullname = fullname;
        ret.result = null;
        ret.changes = predicted;
        ret.comment = `User ${name} set to be added`;
        return ret;
      }
      await users.addUser({
        name, uid, gid: gidForAdd, home, shell, groups: manageGroups ? wanted : undefined,
        createhome, system, gecos: fullname,
      });
      const created = await users.getUser(name);
      if (!created) {
        ret.result = false;
        ret.comment = `Failed to create new user ${name}`;
        return ret;
      }
      ret.changes = describe(created);
      ret.comment = `New user ${name} created`;
      return ret;
    }

    // Existing user: work out what differs.
    const change: { uid?: number; gid?: number; home?: string; shell?: string; groups?: string[]; gecos?: string } = {};
    const predicted: Record<string, unknown> = {};
    if (uid !== undefined && uid !== cur.uid) { change.uid = uid; predicted.uid = uid; }
    if (gid !== undefined && gid !== cur.gid) { change.gid = gid; predicted.gid = gid; }
    if (home !== undefined && home !== cur.home) { change.home = home; predicted.home = home; }
    if (shell !== undefined && shell !== cur.shell) { change.shell = shell; predicted.shell = shell; }
    if (fullname !== undefined && fullname !== fullnameOf(cur.gecos)) {
      change.gecos = withFullname(cur.gecos, fullname);
      predicted.fullname = fullname;
    }
    if (manageGroups) {
      // Compare supplementary groups only: the primary group (new or current) is left out on both sides.
      const primaryGid = gid ?? cur.gid;
      const candidates = [...(typeof gidArg === 'string' ? [gidArg] : []), ...cur.groups, ...wanted];
      const primaryName = await groupNameFor(users, primaryGid, candidates);
      // Supplementary = groups that list the user as a member (not merely its primary group).
      const curSupp: string[] = [];
      for (const g of cur.groups) {
        if (g === primaryName) continue;
        if ((await users.getGroup(g))?.members.includes(name)) curSupp.push(g);
      }
      const wantSupp = (removeGroups ? wanted : [...new Set([...curSupp, ...wanted])]).filter((g) => g !== primaryName).sort();
      if (!sameSet(curSupp, wantSupp)) {
        change.groups = wantSupp;
        predicted.groups = [...new Set([...(primaryName ? [primaryName] : []), ...wantSupp])].sort();
      }
    }

    if (Object.keys(change).length === 0) {
      ret.comment = `User ${name} is present and up to date`;
      return ret;
    }
    if (ctx.test) {
      ret.result = null;
      ret.changes = predicted;
      ret.comment = `The following user attributes are set to be changed:\n${listChanges(predicted)}`;
      return ret;
    }
    await users.modUser(name, change);
    const after = await users.getUser(name);
    if (!after) {
      ret.result = false;
      ret.comment = `User ${name} disappeared while being updated`;
      return ret;
    }
    const pre = describe(cur);
    const post = describe(after);
    for (const key of Object.keys(post)) {
      const a = pre[key];
      const b = post[key];
      const differs = Array.isArray(a) && Array.isArray(b) ? !sameSet(a as string[], b as string[]) : a !== b;
      if (differs) ret.changes[key] = b;
    }
    // Verify that what was asked for actually took effect.
    const failed: string[] = [];
    if (change.uid !== undefined && after.uid !== change.uid) failed.push('uid');
    if (change.gid !== undefined && after.gid !== change.gid) failed.push('gid');
    if (change.home !== undefined && after.home !== change.home) failed.push('home');
    if (change.shell !== undefined && after.shell !== change.shell) failed.push('shell');
    if (change.gecos !== undefined && after.gecos !== change.gecos) failed.push('fullname');
    if (failed.length > 0) {
      ret.result = false;
      ret.comment = `These values could not be changed for user ${name}: ${failed.join(', ')}`;
      return ret;
    }
    ret.comment = `Updated user ${name}`;
    return ret;
  } catch (e) {
    ret.result = false;
    ret.changes = {};
    ret.comment = `Failed to manage user ${name}: ${errMsg(e)}`;
    return ret;
  }
}

const absentSchema = {
  type: 'object',
  properties: {
    purge: { type: 'boolean', default: false },
  },
  additionalProperties: false,
};

async function absent(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const users = ctx.drivers.users;
  const purge = (args.purge as boolean | undefined) ?? false;
  return removeAccount(args.name, ctx.test, {
    kind: 'User', pending: 'set for removal', marker: 'removed',
    lookup: () => users.getUser(args.name),
    remove: () => users.delUser(args.name, { purge }),
  });
}

/** Salt's `user` state module: user.present / user.absent over the injected UserDriver. */
export const userModule: StateModule = {
  name: 'user',
  functions: {
    present: { schema: presentSchema, run: present },
    absent: { schema: absentSchema, run: absent },
  },
};
