import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { CommandRunner, ExecOptions, ExecResult } from './drivers.js';

/** uid/gid/home of a local user from /etc/passwd (as getpwnam would give for files). */
export async function lookupUser(name: string, passwdFile = '/etc/passwd'):
  Promise<{ uid: number; gid: number; home: string; shell: string } | undefined> {
  const text = await readFile(passwdFile, 'utf8');
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 7) return { uid: Number(f[2]), gid: Number(f[3]), home: f[5], shell: f[6] };
  }
  return undefined;
}

/** Told of every command a ProcessRunner starts and sees end (by the leader's pid, which is also its process group). */
export interface ProcessHooks { started?(pid: number): void; ended?(pid: number): void }

/**
 * Runs real processes, in their own process group so a timeout kills the whole tree. `hooks`
 * let a daemon journal the groups it has running, to kill them after a crash of its own.
 */
export class ProcessRunner implements CommandRunner {
  constructor(private readonly hooks: ProcessHooks = {}) {}

  async run(cmd: string | string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const useShell = typeof cmd === 'string' || opts.shell === true;
    const argv = useShell ? ['/bin/sh', '-c', Array.isArray(cmd) ? cmd.join(' ') : cmd] : cmd;
    let uid: number | undefined;
    let gid: number | undefined;
    const env: NodeJS.ProcessEnv = { ...process.env, ...(opts.env ?? {}) };
    if (opts.runas) {
      const u = await lookupUser(opts.runas);
      if (!u) throw new Error(`runas user ${opts.runas} does not exist`);
      uid = u.uid; gid = u.gid;
      env.HOME = u.home; env.USER = opts.runas; env.LOGNAME = opts.runas;
    }
    return new Promise((resolvePromise, reject) => {
      const child = spawn(argv[0], argv.slice(1), {
        cwd: opts.cwd, env, uid, gid, detached: true, stdio: ['pipe', 'pipe', 'pipe'],
      });
      const pid = child.pid;
      if (pid !== undefined) this.hooks.started?.(pid);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const kill = () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ } };
      const timer = opts.timeout ? setTimeout(() => { timedOut = true; kill(); }, opts.timeout * 1000) : undefined;
      const onAbort = () => kill();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e) => { if (timer) clearTimeout(timer); reject(e); });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (pid !== undefined) this.hooks.ended?.(pid);
        opts.signal?.removeEventListener('abort', onAbort);
        resolvePromise({
          pid: child.pid, code, signal, timedOut,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        });
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input ?? '');
    });
  }
}
