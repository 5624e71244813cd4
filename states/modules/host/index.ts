import type { HostsDriver } from '../../drivers/sysconf.js';
import type { StateArgs, StateContext, StateModule, StateReturn } from '../../types.js';
import { errMsg } from '../account-common.js';
import { pyStr } from '../cron/tab.js';
import { addHost, getAlias, hasPair, isIpAddr, listHosts, rmHost, setComment, setHost } from './hosts-file.js';

/**
 * Salt's host state module (salt.states.host): present, absent, only on the hosts file.
 * The file is edited in memory with the pure functions of hosts-file.ts, one Salt call after
 * the other, and written once; in test mode the same edits give the predicted changes.
 */

function driverOf(ctx: StateContext): HostsDriver {
  if (!ctx.drivers.hosts) throw new Error('the hosts driver is not available on this box');
  return ctx.drivers.hosts;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).map(pyStr);

/** Adds a value to a set-like list once (Salt collects these in sets). */
function addOnce<T>(xs: T[], x: T, same: (a: T, b: T) => boolean): void {
  if (!xs.some((y) => same(x, y))) xs.push(x);
}

type Pair = [string, string];
const samePair = (a: Pair, b: Pair) => a[0] === b[0] && a[1] === b[1];

function push(changes: Record<string, unknown>, kind: string, addr: string, value: string): void {
  const byAddr = (changes[kind] ??= {}) as Record<string, string[]>;
  (byAddr[addr] ??= []).push(value);
}

async function present(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const ret: StateReturn = { name, result: true, changes: {}, comment: '' };
  const ips = list(args.ip);
  const comment = args.comment === null || args.comment === undefined ? '' : pyStr(args.comment);
  const clean = args.clean === true;
  try {
    const driver = driverOf(ctx);
    const before = await driver.read();
    const all = listHosts(before);
    const comments: string[] = [];
    const toAdd: Pair[] = [];
    const toRemove: Pair[] = [];
    const toComment: Pair[] = [];
    for (const addr of ips) {
      if (!all.has(addr)) {
        addOnce(toAdd, [addr, name], samePair);
        if (comment) addOnce(toComment, [addr, comment], samePair);
      }
    }
    for (const [addr, info] of all) {
      if (!ips.includes(addr)) {
        // Without `clean`, Salt only warns about the name on another address.
        if (info.aliases.includes(name) && clean) addOnce(toRemove, [addr, name], samePair);
      } else if (info.aliases.includes(name)) {
        if (comment && info.comment !== comment) addOnce(toComment, [addr, comment], samePair);
        else comments.push(`Host ${name} (${addr}) already present`);
      } else if (isIpAddr(addr)) {
        addOnce(toAdd, [addr, name], samePair);
        if (comment) addOnce(toComment, [addr, comment], samePair);
      } else {
        ret.result = false;
        comments.push(`Invalid IP Address for ${name} (${addr})`);
      }
    }
    let text = before;
    for (const [addr, host] of toAdd) {
      text = addHost(text, addr, host);
      comments.push(ctx.test ? `Host ${host} (${addr}) would be added` : `Added host ${host} (${addr})`);
      push(ret.changes, 'added', addr, host);
    }
    for (const [addr, c] of toComment) {
      const next = setComment(text, addr, c);
      if (next === undefined) {
        ret.result = false;
        comments.push(`Failed to add comment for host ${addr} (${c})`);
        continue;
      }
      text = next;
      comments.push(ctx.test ? `Comment for ${addr} (${c}) would be added` : `Set comment for host ${addr} (${c})`);
      push(ret.changes, 'comment_added', addr, c);
    }
    for (const [addr, host] of toRemove) {
      text = rmHost(text, addr, host);
      comments.push(ctx.test ? `Host ${host} (${addr}) would be removed` : `Removed host ${host} (${addr})`);
      push(ret.changes, 'removed', addr, host);
    }
    if (text !== before && text !== undefined) {
      if (ctx.test) ret.result = ret.result === false ? false : null;
      else await driver.write(text);
    }
    ret.comment = comments.join('\n');
    return ret;
  } catch (e) {
    return { ...ret, result: false, changes: {}, comment: `Failed to manage host ${name}: ${errMsg(e)}` };
  }
}

async function absent(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const ret: StateReturn = { name, result: true, changes: {}, comment: '' };
  try {
    const driver = driverOf(ctx);
    const before = await driver.read();
    let text = before;
    const comments: string[] = [];
    for (const ip of list(args.ip)) {
      if (!hasPair(text, ip, name)) {
        comments.push(`Host ${name} (${ip}) already absent`);
        continue;
      }
      text = rmHost(text, ip, name);
      comments.push(ctx.test ? `Host ${name} (${ip}) needs to be removed` : `Removed host ${name} (${ip})`);
      ret.changes = { host: name };
    }
    if (text !== before && text !== undefined) {
      if (ctx.test) ret.result = null;
      else await driver.write(text);
    }
    ret.comment = comments.join('\n');
    return ret;
  } catch (e) {
    return { ...ret, result: false, changes: {}, comment: `Failed to remove host ${name}: ${errMsg(e)}` };
  }
}

async function only(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const hostnames = typeof args.hostnames === 'string' ? [args.hostnames] : list(args.hostnames);
  try {
    const driver = driverOf(ctx);
    const before = await driver.read();
    const old = getAlias(before, name).join(' ');
    const want = hostnames.map((h) => h.trim()).join(' ');
    if (old === want) return { name, result: true, changes: {}, comment: `IP address ${name} already set to "${want}"` };
    const changes = { [name]: { old, new: want } };
    if (ctx.test) return { name, result: null, changes, comment: `Would change ${name} from "${old}" to "${want}"` };
    await driver.write(setHost(before, name, want));
    return { name, result: true, changes, comment: `successfully changed ${name} from "${old}" to "${want}"` };
  } catch (e) {
    return { name, result: false, changes: {}, comment: `hosts.set_host failed to change ${name}: ${errMsg(e)}` };
  }
}

const ipArg = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };

export const hostModule: StateModule = {
  name: 'host',
  functions: {
    present: {
      schema: {
        type: 'object',
        properties: { ip: ipArg, comment: { type: ['string', 'null'], default: '' }, clean: { type: 'boolean', default: false } },
        required: ['ip'],
        additionalProperties: false,
      },
      run: present,
    },
    absent: {
      schema: { type: 'object', properties: { ip: ipArg }, required: ['ip'], additionalProperties: false },
      run: absent,
    },
    only: {
      schema: {
        type: 'object',
        properties: { hostnames: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } },
        required: ['hostnames'],
        additionalProperties: false,
      },
      run: only,
    },
  },
};
