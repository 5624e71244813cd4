import { chmod, chown, mkdir, stat, writeFile } from 'node:fs/promises';
import type { CommandRunner } from '../types.js';
import { lookupUser } from './exec.js';
import { RootFiles } from './root-files.js';
import type { SshDriver } from './sysconf.js';

/**
 * SSH key files under a root directory, accounts from its /etc/passwd, and OpenSSH's
 * ssh-keygen/ssh-keyscan (file arguments mapped into the root).
 */
export class LocalSshDriver implements SshDriver {
  constructor(private readonly runner: CommandRunner, private readonly files = new RootFiles()) {}

  async account(user: string): Promise<{ home: string; uid: number; gid: number } | undefined> {
    const u = await lookupUser(user, this.files.path('/etc/passwd'));
    return u ? { home: u.home, uid: u.uid, gid: u.gid } : undefined;
  }

  read(path: string): Promise<string | undefined> { return this.files.read(path); }

  async write(path: string, text: string): Promise<void> { await writeFile(this.files.path(path), text); }

  async create(path: string, text: string, mode: number, owner?: { uid: number; gid: number }): Promise<void> {
    const p = this.files.path(path);
    await writeFile(p, text, { mode });
    if (owner) await chown(p, owner.uid, owner.gid);
    await chmod(p, mode);
  }

  async isDir(path: string): Promise<boolean> {
    return stat(this.files.path(path)).then((s) => s.isDirectory(), () => false);
  }

  async mkdir(path: string, mode: number, owner?: { uid: number; gid: number }): Promise<void> {
    const p = this.files.path(path);
    await mkdir(p, { recursive: true, mode });
    if (owner) await chown(p, owner.uid, owner.gid);
    await chmod(p, mode);
  }

  async mode(path: string): Promise<number | undefined> {
    return stat(this.files.path(path)).then((s) => s.mode & 0o7777, () => undefined);
  }

  async chmod(path: string, mode: number): Promise<void> { await chmod(this.files.path(path), mode); }

  async chown(path: string, owner: { uid: number; gid: number }): Promise<void> { await chown(this.files.path(path), owner.uid, owner.gid); }

  async tool(cmd: 'ssh-keygen' | 'ssh-keyscan', args: string[], opts: { files?: number[] } = {}) {
    const argv = args.map((a, i) => (opts.files?.includes(i) ? this.files.path(a) : a));
    const r = await this.runner.run([cmd, ...argv]);
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }
}
