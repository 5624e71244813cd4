import { dirname, isAbsolute, join } from 'node:path';
import type { SshDriver } from '../../drivers/sysconf.js';
import type { StateArgs, StateContext, StateModule, StateReturn } from '../../types.js';
import { errMsg } from '../account-common.js';
import { pyStr } from '../cron/tab.js';
import { sshDriverOf } from './auth.js';
import { fingerprint as keyFingerprint } from './authkeys.js';

/**
 * Salt's ssh_known_hosts state module (salt.states.ssh_known_hosts over salt.modules.ssh):
 * entries are looked up with `ssh-keygen -F`, removed with `ssh-keygen -R`, fetched with
 * `ssh-keyscan` when no `key` is given, and hashed with `ssh-keygen -H` as Salt does.
 */

const DEFAULT_PORT = 22;

export interface HostEntry { hostname: string; enc: string | null; key: string; fingerprint?: string }

/** ssh._parse_openssh_output: `host enc key` lines of ssh-keygen -F / ssh-keyscan with valid keys. */
export function parseOpensshOutput(out: string, hashType: string | null): HostEntry[] {
  const entries: HostEntry[] = [];
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    if (parts.length !== 3) continue;
    const fp = keyFingerprint(parts[2], hashType);
    if (!fp) continue;
    entries.push({ hostname: parts[0], key: parts[2], enc: parts[1], fingerprint: fp });
  }
  return entries;
}

/** ssh._get_matched_host_line_numbers: line numbers (1-based) of ssh-keygen -F hits with key type `enc` ("rsa" when none). */
export function matchedLineNumbers(out: string, enc: string | null): number[] {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const want = enc || 'rsa';
  const nums: number[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const no = Number(lines[i].trim().split(/\s+/).pop());
    const fields = lines[i + 1].trim().split(/\s+/);
    if (fields[fields.length - 2] === want) nums.push(no);
  }
  return nums;
}

const sshHostname = (host: string, port: number | null) => (!port || port === DEFAULT_PORT ? host : `[${host}]:${port}`);

interface Opts {
  name: string; user: string | null; config: string; key: string | null; fingerprint: string | null; enc: string | null;
  port: number | null; hash: boolean; timeout: number; hashType: string | null;
}

/** The absolute path of the known_hosts file (ssh._get_known_hosts_file). */
async function knownHostsFile(driver: SshDriver, o: Opts): Promise<{ path: string; owner?: { uid: number; gid: number } }> {
  if (isAbsolute(o.config)) {
    const acct = o.user ? await driver.account(o.user) : undefined;
    return { path: o.config, owner: acct ? { uid: acct.uid, gid: acct.gid } : undefined };
  }
  if (!o.user) throw new Error('Cannot determine absolute path to file.');
  const acct = await driver.account(o.user);
  if (!acct) throw new Error(`User ${o.user} does not exist`);
  return { path: join(acct.home, o.config), owner: { uid: acct.uid, gid: acct.gid } };
}

async function storedEntries(driver: SshDriver, path: string, o: Opts): Promise<HostEntry[]> {
  const r = await driver.tool('ssh-keygen', ['-F', sshHostname(o.name, o.port), '-f', path], { files: [3] });
  return parseOpensshOutput(r.stdout, o.hashType);
}

async function scan(driver: SshDriver, o: Opts): Promise<HostEntry[]> {
  const args = [...(o.port ? ['-p', String(o.port)] : []), ...(o.enc ? ['-t', o.enc] : []), ...(o.hash ? ['-H'] : []), '-T', String(o.timeout), o.name];
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = await driver.tool('ssh-keyscan', args);
    if (r.stdout.trim()) return parseOpensshOutput(r.stdout, o.hashType);
  }
  return [];
}

type Check = 'add' | 'update' | 'exists';

function check(stored: HostEntry[], o: Opts): Check {
  if (stored.length === 0) return 'add';
  if (o.key) return stored.some((e) => e.key === o.key) ? 'exists' : 'update';
  if (o.fingerprint) return stored.some((e) => e.fingerprint === o.fingerprint) ? 'exists' : 'update';
  return 'exists';
}

/** Salt's result shape for entries: `old` is None when there were none. */
const shown = (entries: HostEntry[] | null) => (entries && entries.length > 0 ? entries : null);

function opts(args: StateArgs): Opts {
  const user = args.user == null ? null : String(args.user);
  return {
    name: args.name, user, config: args.config == null ? (user ? '.ssh/known_hosts' : '/etc/ssh/ssh_known_hosts') : String(args.config),
    key: args.key == null ? null : String(args.key), fingerprint: args.fingerprint == null ? null : String(args.fingerprint),
    enc: args.enc == null ? null : String(args.enc), port: args.port == null ? null : Number(args.port),
    hash: args.hash_known_hosts !== false, timeout: Number(args.timeout ?? 5),
    hashType: args.fingerprint_hash_type == null ? null : String(args.fingerprint_hash_type),
  };
}

async function present(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const o = opts(args);
  const ret: StateReturn = { name: o.name, result: ctx.test ? null : true, changes: {}, comment: '' };
  const fail = (comment: string): StateReturn => ({ ...ret, result: false, comment });
  if (!o.user && !isAbsolute(o.config)) return fail('If not specifying a "user", specify an absolute "config".');
  // Salt checks this in test mode only; a real run given both uses the key
  if (ctx.test && o.key && o.fingerprint) return fail('Specify either "key" or "fingerprint", not both.');
  if (o.key && !o.enc) return fail('Required argument "enc" if using "key" argument.');
  if (o.port !== null && o.port !== DEFAULT_PORT && o.hash) return fail('argument port can not be used in conjunction with argument hash_known_hosts');
  try {
    const driver = sshDriverOf(ctx);
    const file = await knownHostsFile(driver, o);
    const stored = await storedEntries(driver, file.path, o);
    const status = check(stored, o);
    const exists = () => ({ ...ret, result: true, comment: ctx.test ? `Host ${o.name} is already in ${o.config}` : `${o.name} already exists in ${o.config}` });
    if (status === 'exists' && (o.key || o.fingerprint)) return exists();
    let entries: HostEntry[];
    if (o.key) {
      entries = [{ hostname: o.name, enc: o.enc, key: o.key }];
    } else {
      entries = await scan(driver, o);
      if (entries.length === 0) return fail('Unable to receive remote host keys');
      if (o.fingerprint && !entries.some((e) => e.fingerprint === o.fingerprint)) {
        return fail('Remote host public keys found but none of their fingerprints match the one you have provided');
      }
      // Neither key nor fingerprint: the host is known when one of its current keys is stored.
      if (!o.fingerprint && entries.some((e) => stored.some((s) => s.key === e.key))) return exists();
    }
    const changes = { old: shown(stored), new: entries };
    if (ctx.test) {
      return { ...ret, changes, comment: status === 'add' ? `Key for ${o.name} is set to be added to ${o.config}` : `Key for ${o.name} is set to be updated in ${o.config}` };
    }
    await write(driver, file, o, entries);
    const comment = o.key ? `${o.name}'s key saved to ${o.config} (key: ${entries[0].key})`
      : `${o.name}'s key saved to ${o.config} (fingerprint: ${String(entries[0].fingerprint)})`;
    return { ...ret, changes, comment };
  } catch (e) {
    return fail(errMsg(e));
  }
}

/** ssh.set_known_host's write: old lines of this host and key type go, new lines are appended, then -H. */
async function write(driver: SshDriver, file: { path: string; owner?: { uid: number; gid: number } }, o: Opts, entries: HostEntry[]): Promise<void> {
  const origMode = await driver.mode(file.path);
  if (origMode !== undefined) {
    const found = await driver.tool('ssh-keygen', ['-F', sshHostname(o.name, o.port), '-f', file.path], { files: [3] });
    const remove = matchedLineNumbers(found.stdout, o.enc);
    if (remove.length > 0) {
      const lines = (await driver.read(file.path) ?? '').split(/(?<=\n)/);
      for (const n of [...remove].sort((a, b) => b - a)) lines.splice(n - 1, 1);
      await driver.write(file.path, lines.join(''));
    }
  }
  const text = entries.map((e) => (o.hash || o.port === null || o.port === DEFAULT_PORT || e.hostname.includes(':')
    ? `${e.hostname} ${pyStr(e.enc)} ${e.key}\n` : `[${e.hostname}]:${o.port} ${pyStr(e.enc)} ${e.key}\n`)).join('');
  if (!(await driver.isDir(dirname(file.path)))) await driver.mkdir(dirname(file.path), 0o700, o.user ? file.owner : undefined);
  const before = await driver.read(file.path);
  if (before === undefined) await driver.create(file.path, text, 0o600, o.user ? file.owner : undefined);
  else {
    await driver.write(file.path, before + text);
    if (o.user && file.owner) await driver.chown(file.path, file.owner);
    await driver.chmod(file.path, origMode ?? 0o600);
  }
  if (o.key && o.hash) {
    // ssh-keygen -H writes a new file (keeping the old one as .old): restore mode and owner.
    const mode = (await driver.mode(file.path)) ?? 0o600;
    await driver.tool('ssh-keygen', ['-H', '-f', file.path], { files: [2] });
    await driver.chmod(file.path, mode);
    if (o.user && file.owner) await driver.chown(file.path, file.owner);
  }
}

async function absent(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const o = opts(args);
  const ret: StateReturn = { name: o.name, result: true, changes: {}, comment: '' };
  if (!o.user && !isAbsolute(o.config)) return { ...ret, result: false, comment: 'If not specifying a "user", specify an absolute "config".' };
  try {
    const driver = sshDriverOf(ctx);
    const file = await knownHostsFile(driver, { ...o, port: null });
    const known = await storedEntries(driver, file.path, { ...o, port: null });
    if (known.length === 0) return { ...ret, comment: 'Host is already absent' };
    if (ctx.test) return { ...ret, result: null, changes: { old: known, new: null }, comment: `Key for ${o.name} is set to be removed from ${o.config}` };
    const r = await driver.tool('ssh-keygen', ['-R', o.name, '-f', file.path], { files: [3] });
    if (o.user && file.owner) await driver.chown(file.path, file.owner);
    return { ...ret, changes: { old: known, new: null }, comment: `${r.stdout}${r.stderr}`.trim() };
  } catch (e) {
    return { ...ret, result: false, comment: errMsg(e) };
  }
}

const str = { type: ['string', 'null'], default: null };

export const sshKnownHostsModule: StateModule = {
  name: 'ssh_known_hosts',
  functions: {
    present: {
      schema: {
        type: 'object',
        properties: {
          user: str, fingerprint: str, key: str, port: { type: ['integer', 'string', 'null'], default: null }, enc: str, config: str,
          hash_known_hosts: { type: 'boolean', default: true }, timeout: { type: 'integer', default: 5 }, fingerprint_hash_type: str,
        },
        additionalProperties: false,
      },
      run: present,
    },
    absent: {
      schema: { type: 'object', properties: { user: str, config: str }, additionalProperties: false },
      run: absent,
    },
  },
};
