import { readFile } from 'node:fs/promises';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { UmecError } from '../lib/errors.js';
import { fingerprint, type KnownHosts } from './known-hosts.js';
import type { RosterEntry } from './roster-file.js';

export interface ConnectOptions {
  knownHosts: KnownHosts;
  /** Record unknown host keys instead of refusing them. */
  acceptNew?: boolean;
  /** ssh-agent socket for key auth when the entry has no priv (default: $SSH_AUTH_SOCK). */
  agent?: string;
}

export interface ExecResult { code: number | null; signal?: string }

/**
 * One authenticated SSH connection to a roster entry; exec channels and SFTP
 * are multiplexed over it. Connection failures become UmecErrors with codes
 * that say what went wrong (unreachable, timeout, auth, host key).
 */
export class SshSession {
  private sftpP: Promise<SFTPWrapper> | undefined;
  /** Rejects once the connection is gone, so that no request waits for an answer that cannot come. */
  private readonly lost: Promise<never>;

  private constructor(readonly entry: RosterEntry, private readonly client: Client) {
    this.lost = new Promise<never>((_, reject) => {
      client.once('close', () => reject(new Error('the connection was closed')));
    });
    this.lost.catch(() => {});
  }

  /** p, or a rejection when the connection drops first. */
  guard<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.lost]);
  }

  static async connect(entry: RosterEntry, o: ConnectOptions): Promise<SshSession> {
    const { host, port } = entry;
    const where = { host, port };
    const cfg: ConnectConfig = {
      host, port, username: entry.user,
      readyTimeout: entry.timeout * 1000,
      keepaliveInterval: 15_000,
      tryKeyboard: false,
    };
    const methods: string[] = [];
    if (entry.priv) {
      try {
        cfg.privateKey = await readFile(entry.priv);
      } catch (e) {
        throw new UmecError('SSH_AUTH', { ...where, user: entry.user, methods: `publickey (cannot read ${entry.priv}: ${(e as Error).message})` });
      }
      methods.push(`publickey ${entry.priv}`);
    } else if (o.agent ?? process.env.SSH_AUTH_SOCK) {
      cfg.agent = o.agent ?? process.env.SSH_AUTH_SOCK;
      methods.push('agent');
    }
    if (entry.passwd !== undefined) { cfg.password = entry.passwd; methods.push('password'); }
    if (!methods.length) {
      throw new UmecError('SSH_AUTH', { ...where, user: entry.user, methods: 'none configured: set priv (or passwd) in the roster, or run an ssh-agent' });
    }
    const algos = await o.knownHosts.algorithmsFor(host, port);
    if (algos) cfg.algorithms = { serverHostKey: algos as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };

    let hostKeyError: UmecError | undefined;
    let newKey: Buffer | undefined;
    cfg.hostVerifier = (key: Buffer, verify: (ok: boolean) => void) => {
      o.knownHosts.verdict(host, port, key).then((v) => {
        const fp = fingerprint(key);
        const file = o.knownHosts.file;
        if (v.kind === 'match') return verify(true);
        if (v.kind === 'unknown' && o.acceptNew) { newKey = key; return verify(true); }
        if (v.kind === 'unknown') hostKeyError = new UmecError('SSH_HOST_UNKNOWN', { ...where, file, fingerprint: fp });
        else if (v.kind === 'changed') hostKeyError = new UmecError('SSH_HOST_CHANGED', { ...where, file, line: v.line, expected: v.expected, fingerprint: fp });
        else hostKeyError = new UmecError('SSH_HOST_REVOKED', { ...where, file, line: v.line, fingerprint: fp });
        verify(false);
      }, () => verify(false));
    };

    const client = new Client();
    client.on('error', () => { /* later errors surface through the channel or request that fails */ });
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', (err: Error & { level?: string; code?: string }) => {
        client.destroy();
        if (hostKeyError) return reject(hostKeyError);
        if (err.level === 'client-timeout' || /Timed out/i.test(err.message)) {
          return reject(new UmecError('SSH_TIMEOUT', { ...where, seconds: entry.timeout, stage: 'connect and authenticate' }));
        }
        if (err.level === 'client-authentication') return reject(new UmecError('SSH_AUTH', { ...where, user: entry.user, methods: methods.join(', ') }));
        reject(new UmecError('SSH_UNREACHABLE', { ...where, reason: err.code ? `${err.code}` : err.message }));
      });
      client.connect(cfg);
    });
    if (newKey) await o.knownHosts.add(host, port, newKey);
    return new SshSession(entry, client);
  }

  exec(command: string): Promise<ClientChannel> {
    return this.guard(new Promise((resolve, reject) => {
      this.client.exec(command, (err, ch) => (err ? reject(err) : resolve(ch)));
    }));
  }

  sftp(): Promise<SFTPWrapper> {
    this.sftpP ??= this.guard(new Promise((resolve, reject) => {
      this.client.sftp((err, s) => (err ? reject(err) : resolve(s)));
    }));
    return this.sftpP;
  }

  close(): void {
    this.client.end();
  }

  /** For tests: cut the connection the way a broken link does. */
  destroy(): void {
    this.client.destroy();
  }
}
