import { dirname, isAbsolute, join } from 'node:path';
import type { SshDriver } from '../../drivers/sysconf.js';
import type { StateArgs, StateContext, StateModule, StateReturn } from '../../types.js';
import { errMsg } from '../account-common.js';
import {
  appendAuthLine, checkKey, expandConfigPath, fingerprint, formatAuthLine, parseName, refineEnc, removeAuthKey,
  replaceAuthKey, validateKeys, type CheckStatus,
} from './authkeys.js';

/**
 * Salt's ssh_auth state module (salt.states.ssh_auth, salt.modules.ssh): present and absent
 * keep keys in a user's authorized_keys, matched by the key's blob; options, type and comment
 * of a present key are brought in line. `source` reads keys from a file of the state tree.
 */

export function sshDriverOf(ctx: StateContext): SshDriver {
  if (!ctx.drivers.ssh) throw new Error('the ssh driver is not available on this box');
  return ctx.drivers.ssh;
}

interface Target { path: string; account: { home: string; uid: number; gid: number } }

/** ssh._get_config_file: %u/%h expanded, relative paths under the home directory. */
async function target(driver: SshDriver, user: string, config: string): Promise<Target> {
  const account = await driver.account(user);
  if (!account) throw new Error(`User '${user}' does not exist`);
  const path = expandConfigPath(config, user, account.home);
  return { path: isAbsolute(path) ? path : join(account.home, path), account };
}

type SetStatus = 'new' | 'replace' | 'no change' | 'fail' | 'invalid' | 'Invalid public key';

interface KeySpec { key: string; enc: string; comment: string; options: string[] }

/** ssh.set_auth_key on the file's text: the outcome and the text to write (undefined: nothing to write). */
function planSet(text: string | undefined, k: KeySpec, hashType: string | null): { status: SetStatus; check?: CheckStatus; text?: string } {
  if (k.key.split(/\s+/).filter((x) => x).length > 1) return { status: 'invalid' };
  const enc = refineEnc(k.enc);
  if (fingerprint(k.key, hashType) === undefined) return { status: 'Invalid public key' };
  const check = checkKey(validateKeys(text, hashType), k.key, enc, k.comment, k.options);
  const line = formatAuthLine(k.key, enc, k.comment, k.options);
  if (check === 'update') return { status: 'replace', check, text: replaceAuthKey(text ?? '', k.key, line) };
  if (check === 'exists') return { status: 'no change', check };
  return { status: 'new', check, text: appendAuthLine(text, line) };
}

/** Writes the new text: a new file (and directory) get the user's ownership, 0600 (0700), as Salt does. */
async function save(driver: SshDriver, t: Target, before: string | undefined, text: string): Promise<'ok' | 'fail'> {
  if (before !== undefined) { await driver.write(t.path, text); return 'ok'; }
  const owner = { uid: t.account.uid, gid: t.account.gid };
  if (t.path.startsWith(t.account.home) && !(await driver.isDir(t.account.home))) return 'fail';
  if (!(await driver.isDir(dirname(t.path)))) await driver.mkdir(dirname(t.path), 0o700, owner);
  await driver.create(t.path, text, 0o600, owner);
  return 'ok';
}

/** Source lines: `enc key comment` lines take the state's options, others keep their own. */
function sourceKeys(text: string, options: string[], hashType: string | null): KeySpec[] {
  const keys: KeySpec[] = [];
  for (const [key, k] of validateKeys(text, hashType)) keys.push({ key, enc: k.enc, comment: k.comment, options: k.options.length > 0 ? k.options : options });
  return keys;
}

async function readSource(ctx: StateContext, source: string): Promise<string | undefined> {
  try {
    return (await ctx.files.read(source)).toString('utf8');
  } catch {
    return undefined;
  }
}

function strArgs(args: StateArgs) {
  return {
    user: String(args.user), enc: String(args.enc ?? 'ssh-rsa'), comment: args.comment == null ? '' : String(args.comment),
    source: args.source == null ? '' : String(args.source), options: (args.options as string[] | null | undefined) ?? [],
    config: String(args.config ?? '.ssh/authorized_keys'), hashType: (args.fingerprint_hash_type as string | null | undefined) ?? null,
  };
}

async function present(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const a = strArgs(args);
  let name = args.name;
  const ret: StateReturn = { name, result: true, changes: {}, comment: '' };
  try {
    const driver = sshDriverOf(ctx);
    let specs: KeySpec[];
    if (a.source === '') {
      const k = parseName(name, a, true);
      name = k.key;
      specs = [k];
    } else {
      const text = await readSource(ctx, a.source);
      if (text === undefined) return { ...ret, result: false, comment: `Failed to add the ssh key. Source file ${a.source} is missing` };
      specs = sourceKeys(text, a.options, a.hashType);
      if (specs.length === 0) return { ...ret, result: false, comment: `No keys detected in ${a.source}. Is file properly formatted?` };
    }
    const t = await target(driver, a.user, a.config);
    const before = await driver.read(t.path);
    let text = before;
    const statuses: Array<{ key: string; status: SetStatus; check?: CheckStatus }> = [];
    for (const k of specs) {
      const p = planSet(text, k, a.hashType);
      statuses.push({ key: k.key, status: p.status, check: p.check });
      if (p.text !== undefined) text = p.text;
    }
    const all = statuses.map((s) => s.status);
    const data: SetStatus = all.find((s) => s === 'invalid' || s === 'Invalid public key')
      ?? (all.includes('fail') ? 'fail' : all.includes('replace') ? 'replace' : all.includes('new') ? 'new' : 'no change');
    if (data === 'invalid' || data === 'Invalid public key') {
      return { ...ret, result: false, comment: 'Invalid public ssh key, most likely has spaces or invalid syntax' };
    }
    const change = data === 'replace' ? 'Updated' : data === 'new' ? 'New' : undefined;
    if (ctx.test) {
      if (!change) {
        return { ...ret, comment: a.source ? `All host keys in file ${a.source} are already present` : `The authorized host key ${name} is already present for user ${a.user}` };
      }
      const comment = a.source
        ? statuses.filter((s) => s.check !== 'exists').map((s) => `Set to ${String(s.check)}: ${s.key}\n`).join('')
        : `Key ${name} for user ${a.user} is set to be ${data === 'replace' ? 'updated' : 'added'}`;
      return { ...ret, result: null, changes: { [name]: change }, comment };
    }
    if (!change) return { ...ret, comment: `The authorized host key ${name} is already present for user ${a.user}` };
    if ((await save(driver, t, before, text!)) === 'fail') {
      return { ...ret, result: false, comment: 'Failed to add the ssh key. Is the home directory available, and/or does the key file exist?' };
    }
    return { ...ret, changes: { [name]: change },
      comment: `The authorized host key ${name} for user ${a.user} was ${data === 'replace' ? 'updated' : 'added'}` };
  } catch (e) {
    return { ...ret, result: false, comment: `Failed to manage the ssh key: ${errMsg(e)}` };
  }
}

async function absent(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const a = strArgs(args);
  let name = args.name;
  const ret: StateReturn = { name, result: true, changes: {}, comment: '' };
  try {
    const driver = sshDriverOf(ctx);
    let keys: string[];
    if (a.source === '') {
      name = parseName(name, a, false).key;
      keys = [name];
    } else {
      const text = await readSource(ctx, a.source);
      if (text === undefined) return { ...ret, result: false, comment: `Failed to pull key file ${a.source} from the state tree` };
      keys = [...validateKeys(text, a.hashType).keys()];
      if (keys.length === 0) return { ...ret, result: false, comment: `No keys detected in ${a.source}. Is file properly formatted?` };
    }
    const t = await target(driver, a.user, a.config);
    const before = await driver.read(t.path);
    const present = keys.filter((k) => validateKeys(before, a.hashType).has(k));
    if (present.length === 0) {
      if (ctx.test) return { ...ret, comment: a.source ? `All host keys in file ${a.source} are already absent` : 'Key is already absent' };
      return { ...ret, comment: 'Key not present' };
    }
    if (ctx.test) {
      return { ...ret, result: null, changes: { [name]: 'Removed' },
        comment: a.source ? present.map((k) => `Set to remove: ${k}\n`).join('') : `Key ${name} for user ${a.user} is set for removal` };
    }
    let text = before!;
    for (const k of present) text = removeAuthKey(text, k);
    await driver.write(t.path, text);
    return { ...ret, changes: { [name]: 'Removed' }, comment: 'Key removed' };
  } catch (e) {
    return { ...ret, result: false, comment: `Failed to remove the ssh key: ${errMsg(e)}` };
  }
}

const common = {
  user: { type: 'string' },
  enc: { type: 'string', default: 'ssh-rsa' },
  comment: { type: ['string', 'null'], default: '' },
  source: { type: ['string', 'null'], default: '' },
  options: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }], default: null },
  config: { type: 'string', default: '.ssh/authorized_keys' },
  fingerprint_hash_type: { type: ['string', 'null'], default: null },
};

export const sshAuthModule: StateModule = {
  name: 'ssh_auth',
  functions: {
    // Salt's present takes **kwargs (and ignores what it does not know).
    present: { schema: { type: 'object', properties: common, required: ['user'], additionalProperties: true }, run: present },
    absent: { schema: { type: 'object', properties: common, required: ['user'], additionalProperties: false }, run: absent },
  },
};
