import type { StateArgs, StateContext, StateModule, StateReturn, UserDriver, UserInfo } from '../types.js';
import { errMsg, removeAccount } from './account-common.js';

function sameSet(a: string[], b: string[]): boolean {
  const sa = [...new Set(a)].sort();
  const sb = [...new Set(b)].sort();
  return sa.length === sb.length && sa.every((v, i) => v === sb[i]);
}

const GECOS_FIELDS = ['fullname', 'roomnumber', 'workphone', 'homephone', 'other'] as const;
type Gecos = Record<(typeof GECOS_FIELDS)[number], string>;

/** Salt's _get_gecos: fullname, room, work phone, home phone, and the rest as `other`. */
function parseGecos(gecos: string): Gecos {
  const f = gecos.split(',');
  return { fullname: f[0] ?? '', roomnumber: f[1] ?? '', workphone: f[2] ?? '', homephone: f[3] ?? '', other: f.slice(4).join(',') };
}

/** Salt's _build_gecos: the five fields comma-joined, trailing commas dropped. */
function buildGecos(g: Gecos): string {
  return GECOS_FIELDS.map((k) => g[k]).join(',').replace(/,+$/, '');
}

const REDACTED = 'XXX-REDACTED-XXX';

/** Salt's user.info, as it reports a user in `changes`. */
function describe(u: UserInfo): Record<string, unknown> {
  return {
    gid: u.gid, groups: [...u.groups], home: u.home, name: u.name, passwd: 'x', shell: u.shell, uid: u.uid,
    ...parseGecos(u.gecos),
  };
}

/** Salt's expire: days since 1970-01-01, or a date that usermod would take. */
function expireDays(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (/^-?\d+$/.test(String(v))) return Number(v);
  const t = Date.parse(`${String(v)}T00:00:00Z`);
  if (Number.isNaN(t)) throw new Error(`expire must be a number of days or a YYYY-MM-DD date, not ${String(v)}`);
  return Math.floor(t / 86400000);
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
    fullname: { type: ['string', 'number'] },
    roomnumber: { type: ['string', 'number'] },
    workphone: { type: ['string', 'number'] },
    homephone: { type: ['string', 'number'] },
    other: { type: ['string', 'number'] },
    password: { type: 'string' },
    hash_password: { type: 'boolean', default: false },
    enforce_password: { type: 'boolean', default: true },
    empty_password: { type: 'boolean', default: false },
    expire: { type: ['integer', 'string'] },
    allow_uid_change: { type: 'boolean', default: false },
    allow_gid_change: { type: 'boolean', default: false },
    // accepted as Salt does; useradd's defaults are what Salt's give on Linux
    unique: { type: 'boolean', default: true },
    usergroup: { type: ['boolean', 'null'] },
    nologinit: { type: 'boolean', default: false },
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
  const wantGecos: Partial<Gecos> = {};
  for (const k of GECOS_FIELDS) if (args[k] !== undefined && args[k] !== null) wantGecos[k] = String(args[k]);
  const fullname = wantGecos.fullname;
  const password = args.empty_password ? '' : args.password as string | undefined;
  if (args.hash_password) return { ...ret, result: false, comment: 'hash_password is not supported by umec: give the crypt hash as password' };
  let expire: number | undefined;
  try { expire = expireDays(args.expire); } catch (e) { return { ...ret, result: false, comment: errMsg(e) }; }

  try {
    // Required groups must exist; optional ones are used only when they do.
    const missing: string[] = [];
    for (const g of groups ?? []) if (!(await users.getGroup(g))) missing.push(g);
    const gid: number | undefined = gidArg !== undefined ? await resolveGid(users, gidArg) : undefined;
    const cur = await users.getUser(name);
    // Salt checks only `groups` up front; a primary group named by gid may still be made by an
    // earlier state of this run (a dry run predicts the user), useradd refuses it otherwise
    if (gidArg !== undefined && gid === undefined && cur) missing.push(String(gidArg));
    if (missing.length > 0) {
      ret.result = false;
      ret.comment = `The following group(s) are not present: ${[...new Set(missing)].join(',')}`;
      return ret;
    }
    const presentOptional: string[] = [];
    for (const g of optionalGroups ?? []) if (await users.getGroup(g)) presentOptional.push(g);
    const manageGroups = groups !== undefined || optionalGroups !== undefined;
    const wanted = [...new Set([...(groups ?? []), ...presentOptional])].sort();

    if (!cur) {
      if (gidArg !== undefined && gid === undefined && !ctx.test) {
        return { ...ret, result: false, comment: `Failed to create new user ${name}: group ${String(gidArg)} does not exist` };
      }
      // A same-named group that already exists becomes the primary group (useradd would refuse).
      let gidForAdd: number | string | undefined = gid ?? gidArg;
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
      const gecos = Object.keys(wantGecos).length ? buildGecos({ ...parseGecos(''), ...wantGecos }) : undefined;
      await users.addUser({
        name, uid, gid: gidForAdd, home, shell, groups: manageGroups ? wanted : undefined,
        createhome, system, gecos,
      });
      const created = await users.getUser(name);
      if (!created) {
        ret.result = false;
        ret.comment = `Failed to create new user ${name}`;
        return ret;
      }
      ret.changes = describe(created);
      ret.comment = `New user ${name} created`;
      if (!createhome) ret.changes.home = ''; // Salt: pwd reports a home that was not made
      if (password || expire !== undefined) {
        await users.modUser(name, { ...(password ? { password } : {}), ...(expire !== undefined ? { expire } : {}) });
        const sh = await users.getShadow?.(name);
        if (password) {
          if (sh && sh.passwd !== password) { ret.comment = `User ${name} created but failed to set password to ${REDACTED}`; ret.result = false; }
          ret.changes.password = REDACTED;
        }
        if (expire !== undefined) {
          if (sh && sh.expire !== expire) { ret.comment = `User ${name} created but failed to set expire days to ${expire}`; ret.result = false; }
          ret.changes.expire = expire;
        }
      }
      return ret;
    }

    // Existing user: work out what differs.
    const change: { uid?: number; gid?: number; home?: string; shell?: string; groups?: string[]; gecos?: string; password?: string; expire?: number } = {};
    const predicted: Record<string, unknown> = {};
    if (uid !== undefined && uid !== cur.uid) { change.uid = uid; predicted.uid = uid; }
    if (gid !== undefined && gid !== cur.gid) { change.gid = gid; predicted.gid = gid; }
    const refused: string[] = [];
    if (change.uid !== undefined && !args.allow_uid_change) {
      refused.push(`Changing uid (${cur.uid} -> ${uid}) not permitted, set allow_uid_change to True to force this change. Note that this will not change file ownership.`);
    }
    if (change.gid !== undefined && !args.allow_gid_change) {
      refused.push(`Changing gid (${cur.gid} -> ${gid}) not permitted, set allow_gid_change to True to force this change. Note that this will not change file ownership.`);
    }
    if (refused.length) return { ...ret, result: false, comment: refused.join('\n') };
    if (home !== undefined && home !== cur.home) { change.home = home; predicted.home = home; }
    if (shell !== undefined && shell !== cur.shell) { change.shell = shell; predicted.shell = shell; }
    const curGecos = parseGecos(cur.gecos);
    const gecosDiff = GECOS_FIELDS.filter((k) => wantGecos[k] !== undefined && wantGecos[k] !== curGecos[k]);
    if (gecosDiff.length) {
      change.gecos = buildGecos({ ...curGecos, ...wantGecos });
      for (const k of gecosDiff) predicted[k] = wantGecos[k];
    }
    const shadowBefore = password !== undefined || expire !== undefined ? await users.getShadow?.(name) : undefined;
    if (password !== undefined && args.enforce_password && shadowBefore && shadowBefore.passwd !== password) {
      change.password = password;
      predicted.passwd = REDACTED;
    }
    if (expire !== undefined && shadowBefore && shadowBefore.expire !== expire) { change.expire = expire; predicted.expire = expire; }
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
    const shadowAfter = shadowBefore ? await users.getShadow?.(name) : undefined;
    if (shadowBefore && shadowAfter) {
      if (shadowAfter.passwd !== shadowBefore.passwd) ret.changes.passwd = REDACTED;
      if (shadowAfter.expire !== shadowBefore.expire) ret.changes.expire = shadowAfter.expire;
    }
    // Verify that what was asked for actually took effect.
    const failed: string[] = [];
    if (change.uid !== undefined && after.uid !== change.uid) failed.push('uid');
    if (change.gid !== undefined && after.gid !== change.gid) failed.push('gid');
    if (change.home !== undefined && after.home !== change.home) failed.push('home');
    if (change.shell !== undefined && after.shell !== change.shell) failed.push('shell');
    if (change.gecos !== undefined && after.gecos !== change.gecos) failed.push(...gecosDiff);
    if (change.password !== undefined && shadowAfter && shadowAfter.passwd !== change.password) failed.push('passwd');
    if (change.expire !== undefined && shadowAfter && shadowAfter.expire !== change.expire) failed.push('expire');
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
