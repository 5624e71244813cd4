import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProcessRunner } from './exec.js';
import type { CommandRunner, GroupInfo, UserDriver, UserInfo } from '../types.js';
import { isNotFound } from '../../lib/errors.js';

interface PasswdEntry { name: string; uid: number; gid: number; gecos: string; home: string; shell: string }
interface GroupEntry { name: string; gid: number; members: string[] }

/** Parses passwd(5) text; skips blank, comment and NIS (+/-) lines and malformed entries. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f.length < 7) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || f[2] === '' || f[3] === '') continue;
    out.push({ name: f[0], uid, gid, gecos: f[4], home: f[5], shell: f.slice(6).join(':') });
  }
  return out;
}

/** Parses group(5) text; skips blank, comment and NIS (+/-) lines and malformed entries. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f.length < 4 || f[2] === '') continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    const members = f[3].split(',').map((m) => m.trim()).filter((m) => m !== '');
    out.push({ name: f[0], gid, members });
  }
  return out;
}

/**
 * Local users and groups: read by parsing ROOT/etc/passwd and ROOT/etc/group, changed through
 * shadow-utils (useradd, usermod, userdel, groupadd, groupmod, groupdel).
 *
 * With a root other than '/', commands get `--prefix ROOT`, except usermod when the primary group
 * changes: shadow-utils 4.13 `usermod --prefix` resolves `-g` against the host's group database,
 * so that call uses `--root ROOT` (chroot) instead. Group membership is set with
 * `groupmod --users` (exact list, honours --prefix); gpasswd only has a chroot option.
 */
export class ShadowUserDriver implements UserDriver {
  readonly runner: CommandRunner;
  readonly root: string;

  constructor(o: { runner?: CommandRunner; root?: string } = {}) {
    this.runner = o.runner ?? new ProcessRunner();
    this.root = o.root ?? '/';
  }

  private get prefixed(): boolean {
    return this.root !== '/' && this.root !== '';
  }

  private prefixArgs(): string[] {
    return this.prefixed ? ['--prefix', this.root] : [];
  }

  private async readEtc(file: string): Promise<string> {
    try {
      return await readFile(join(this.root, 'etc', file), 'utf8');
    } catch (e) {
      if (isNotFound(e)) return '';
      throw e;
    }
  }

  private async exec(argv: string[]): Promise<void> {
    const r = await this.runner.run(argv);
    if (r.code !== 0) {
      const why = r.timedOut ? 'timed out' : r.code === null ? `killed by ${r.signal ?? 'signal'}` : `exit ${r.code}`;
      const err = r.stderr.trim() || r.stdout.trim();
      throw new Error(`${argv.join(' ')} failed (${why})${err ? `: ${err}` : ''}`);
    }
  }

  async listUsers(): Promise<PasswdEntry[]> {
    return parsePasswd(await this.readEtc('passwd'));
  }

  async listGroups(): Promise<GroupEntry[]> {
    return parseGroup(await this.readEtc('group'));
  }

  async getUser(name: string): Promise<UserInfo | undefined> {
    const pw = (await this.listUsers()).find((u) => u.name === name);
    if (!pw) return undefined;
    const groups = await this.listGroups();
    const names = new Set<string>();
    const primary = groups.find((g) => g.gid === pw.gid);
    if (primary) names.add(primary.name);
    for (const g of groups) if (g.members.includes(name)) names.add(g.name);
    return {
      name: pw.name, uid: pw.uid, gid: pw.gid, home: pw.home, shell: pw.shell, gecos: pw.gecos,
      groups: [...names].sort(),
    };
  }

  async getGroup(name: string): Promise<GroupInfo | undefined> {
    const g = (await this.listGroups()).find((x) => x.name === name);
    return g ? { name: g.name, gid: g.gid, members: [...g.members] } : undefined;
  }

  async addUser(u: {
    name: string; uid?: number; gid?: number | string; home?: string; shell?: string; groups?: string[];
    createhome: boolean; system: boolean; gecos?: string;
  }): Promise<void> {
    const argv = ['useradd', ...this.prefixArgs()];
    if (u.uid !== undefined) argv.push('--uid', String(u.uid));
    if (u.gid !== undefined) argv.push('--gid', String(u.gid));
    if (u.home !== undefined) argv.push('--home-dir', u.home);
    if (u.shell !== undefined) argv.push('--shell', u.shell);
    if (u.groups && u.groups.length > 0) argv.push('--groups', u.groups.join(','));
    if (u.gecos !== undefined) argv.push('--comment', u.gecos);
    if (u.system) argv.push('--system');
    argv.push(u.createhome ? '--create-home' : '--no-create-home');
    argv.push(u.name);
    await this.exec(argv);
  }

  async getShadow(name: string): Promise<{ passwd: string; expire: number } | undefined> {
    const line = (await this.readEtc('shadow')).split('\n').find((l) => l.startsWith(`${name}:`));
    if (!line) return undefined;
    const f = line.split(':');
    return { passwd: f[1] ?? '', expire: f[7] ? Number(f[7]) : -1 };
  }

  async modUser(name: string, change: {
    uid?: number; gid?: number | string; home?: string; shell?: string; groups?: string[]; gecos?: string;
    password?: string; expire?: number;
  }): Promise<void> {
    const opts: string[] = [];
    if (change.password !== undefined) opts.push('--password', change.password);
    if (change.expire !== undefined) opts.push('--expiredate', change.expire < 0 ? '' : String(change.expire));
    if (change.uid !== undefined) opts.push('--uid', String(change.uid));
    if (change.gid !== undefined) opts.push('--gid', String(change.gid));
    if (change.home !== undefined) opts.push('--home', change.home);
    if (change.shell !== undefined) opts.push('--shell', change.shell);
    if (change.groups !== undefined) opts.push('--groups', change.groups.join(','));
    if (change.gecos !== undefined) opts.push('--comment', change.gecos);
    if (opts.length === 0) return;
    // usermod --prefix looks -g up in the host's group database (shadow 4.13); chroot instead.
    const rootArgs = this.prefixed
      ? (change.gid !== undefined ? ['--root', this.root] : ['--prefix', this.root])
      : [];
    await this.exec(['usermod', ...rootArgs, ...opts, name]);
  }

  async delUser(name: string, opts: { purge: boolean }): Promise<void> {
    const argv = ['userdel', ...this.prefixArgs()];
    if (opts.purge) argv.push('--remove');
    argv.push(name);
    await this.exec(argv);
  }

  async addGroup(g: { name: string; gid?: number; system: boolean; members?: string[] }): Promise<void> {
    const argv = ['groupadd', ...this.prefixArgs()];
    if (g.gid !== undefined) argv.push('--gid', String(g.gid));
    if (g.system) argv.push('--system');
    if (g.members && g.members.length > 0) argv.push('--users', g.members.join(','));
    argv.push(g.name);
    await this.exec(argv);
  }

  async modGroup(name: string, change: { gid?: number; members?: string[] }): Promise<void> {
    if (change.gid !== undefined) {
      await this.exec(['groupmod', ...this.prefixArgs(), '--gid', String(change.gid), name]);
    }
    if (change.members !== undefined) {
      // Without --append, groupmod --users replaces the member list ('' empties it).
      await this.exec(['groupmod', ...this.prefixArgs(), '--users', change.members.join(','), name]);
    }
  }

  async delGroup(name: string): Promise<void> {
    await this.exec(['groupdel', ...this.prefixArgs(), name]);
  }
}
