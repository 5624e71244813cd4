import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';

export const SSHD = '/usr/sbin/sshd';

/** A private OpenSSH server on 127.0.0.1 with its own host key and one authorized client key. */
export interface TestSshd {
  port: number;
  dir: string;
  /** Client private key that the server accepts. */
  clientKey: string;
  /** known_hosts holding this server's real host key. */
  knownHosts: string;
  /** The host key line as it appears in known_hosts. */
  hostKeyLine: string;
  stop(): Promise<void>;
}

export function sshdAvailable(): boolean {
  return existsSync(SSHD) && process.getuid?.() === 0;
}

export function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'umec-test', '-f', file]);
}

function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tryOnce = () => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(); });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > until) reject(new Error(`sshd did not listen on ${port}`));
        else setTimeout(tryOnce, 20);
      });
    };
    tryOnce();
  });
}

export async function startSshd(): Promise<TestSshd> {
  const dir = await mkdtemp(join(tmpdir(), 'umec-sshd-'));
  const port = await freePort();
  keygen(join(dir, 'host_ed25519'));
  keygen(join(dir, 'client_ed25519'));
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_ed25519.pub')), { mode: 0o644 });
  // sshd reads authorized_keys with the privileges of the user logging in
  await chmod(dir, 0o755);
  await writeFile(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_ed25519')}`, `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'StrictModes no', 'UsePAM no', 'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password', 'Subsystem sftp internal-sftp',
    'MaxStartups 200:30:400', 'MaxSessions 100', 'LogLevel ERROR', 'PrintMotd no', '',
  ].join('\n'));
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  try {
    await waitForPort(port, 5000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}: ${log}`, { cause: e });
  }
  const [type, key] = (await readFile(join(dir, 'host_ed25519.pub'), 'utf8')).trim().split(/\s+/);
  const hostKeyLine = `[127.0.0.1]:${port} ${type} ${key}`;
  await writeFile(join(dir, 'known_hosts'), `${hostKeyLine}\n`);
  return {
    port, dir, clientKey: join(dir, 'client_ed25519'), knownHosts: join(dir, 'known_hosts'), hostKeyLine,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
