import type { StateArgs, StateContext, StateModule, StateReturn } from '../types.js';
import { errMsg, removeAccount } from './account-common.js';

function sorted(a: Iterable<string>): string[] {
  return [...new Set(a)].sort();
}

function sameSet(a: string[], b: string[]): boolean {
  const sa = sorted(a);
  const sb = sorted(b);
  return sa.length === sb.length && sa.every((v, i) => v === sb[i]);
}

function listChanges(changes: Record<string, unknown>): string {
  return Object.entries(changes)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join('\n');
}

const userList = { type: 'array', items: { type: 'string' } };

const presentSchema = {
  type: 'object',
  properties: {
    gid: { type: 'integer', minimum: 0 },
    system: { type: 'boolean', default: false },
    members: userList,
    addusers: userList,
    delusers: userList,
  },
  additionalProperties: false,
};

async function present(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const ret: StateReturn = { name, result: true, changes: {}, comment: '' };
  const users = ctx.drivers.users;
  const gid = args.gid as number | undefined;
  const system = (args.system as boolean | undefined) ?? false;
  const members = args.members as string[] | undefined;
  const addusers = args.addusers as string[] | undefined;
  const delusers = args.delusers as string[] | undefined;

  if (members !== undefined && (addusers !== undefined || delusers !== undefined)) {
    ret.result = false;
    ret.comment = 'Error. Conflicting options "members" with "addusers" and/or "delusers" can not be used together.';
    return ret;
  }
  const both = (addusers ?? []).filter((u) => (delusers ?? []).includes(u));
  if (both.length > 0) {
    ret.result = false;
    ret.comment = `Error. Same user(s) can not be added and deleted simultaneously: ${sorted(both).join(',')}`;
    return ret;
  }

  try {
    const missingUsers: string[] = [];
    for (const u of [...(members ?? []), ...(addusers ?? [])]) {
      if (!(await users.getUser(u))) missingUsers.push(u);
    }
    if (missingUsers.length > 0) {
      ret.result = false;
      ret.comment = `The following user(s) are not present: ${sorted(missingUsers).join(',')}`;
      return ret;
    }

    const cur = await users.getGroup(name);
    if (!cur) {
      const initial = sorted(members ?? addusers ?? []);
      if (ctx.test) {
        const predicted: Record<string, unknown> = { name };
        if (gid !== undefined) predicted.gid = gid;
        predicted.members = initial;
        ret.result = null;
        ret.changes = predicted;
        ret.comment = `Group ${name} set to be added`;
        return ret;
      }
      await users.addGroup({ name, gid, system, members: initial.length > 0 ? initial : undefined });
      const created = await users.getGroup(name);
      if (!created) {
        ret.result = false;
        ret.comment = `Failed to create new group ${name}`;
        return ret;
      }
      ret.changes = { name: created.name, gid: created.gid, members: sorted(created.members) };
      ret.comment = `New group ${name} created`;
      return ret;
    }

    const change: { gid?: number; members?: string[] } = {};
    if (gid !== undefined && gid !== cur.gid) change.gid = gid;
    let wanted: string[] | undefined;
    if (members !== undefined) wanted = sorted(members);
    else if (addusers !== undefined || delusers !== undefined) {
      wanted = sorted([...cur.members, ...(addusers ?? [])].filter((u) => !(delusers ?? []).includes(u)));
    }
    if (wanted !== undefined && !sameSet(wanted, cur.members)) change.members = wanted;

    if (Object.keys(change).length === 0) {
      ret.comment = `Group ${name} is present and up to date`;
      return ret;
    }
    if (ctx.test) {
      ret.result = null;
      ret.changes = { ...change };
      ret.comment = `The following group attributes are set to be changed:\n${listChanges(change)}`;
      return ret;
    }
    await users.modGroup(name, change);
    const after = await users.getGroup(name);
    if (!after) {
      ret.result = false;
      ret.comment = `Group ${name} disappeared while being updated`;
      return ret;
    }
    if (after.gid !== cur.gid) ret.changes.gid = after.gid;
    if (!sameSet(after.members, cur.members)) ret.changes.members = sorted(after.members);
    const failed: string[] = [];
    if (change.gid !== undefined && after.gid !== change.gid) failed.push('gid');
    if (change.members !== undefined && !sameSet(after.members, change.members)) failed.push('members');
    if (failed.length > 0) {
      ret.result = false;
      ret.comment = `These values could not be changed for group ${name}: ${failed.join(', ')}`;
      return ret;
    }
    ret.comment = `Updated group ${name}`;
    return ret;
  } catch (e) {
    ret.result = false;
    ret.changes = {};
    ret.comment = `Failed to manage group ${name}: ${errMsg(e)}`;
    return ret;
  }
}

const absentSchema = { type: 'object', properties: {}, additionalProperties: false };

async function absent(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const users = ctx.drivers.users;
  return removeAccount(args.name, ctx.test, {
    kind: 'Group', pending: 'is set for removal', marker: '',
    lookup: () => users.getGroup(args.name),
    remove: () => users.delGroup(args.name),
  });
}

/** Salt's `group` state module: group.present / group.absent over the injected UserDriver. */
export const groupModule: StateModule = {
  name: 'group',
  functions: {
    present: { schema: presentSchema, run: present },
    absent: { schema: absentSchema, run: absent },
  },
};
