import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mkdir } from 'node:fs/promises';
import picomatch from 'picomatch';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import { Serial } from '../lib/serial.js';
import { isNotFound } from '../lib/errors.js';

/** One key line of an OpenSSH known_hosts file. */
export interface KnownHostLine {
  line: number;
  marker?: '@revoked' | '@cert-authority';
  patterns: string;
  keyType: string;
  key: Buffer;
}

export type HostKeyVerdict =
  | { kind: 'match' }
  | { kind: 'unknown' }
  | { kind: 'changed'; line: number; expected: string }
  | { kind: 'revoked'; line: number };

/** OpenSSH's name for a host in known_hosts: host alone on port 22, [host]:port otherwise. */
export function hostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** SHA256:base64 fingerprint as ssh-keygen -l prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

export function parseKnownHosts(text: string): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const s = raw.trim();
    if (!s || s.startsWith('#')) return;
    const parts = s.split(/\s+/);
    let marker: KnownHostLine['marker'];
    if (parts[0] === '@revoked' || parts[0] === '@cert-authority') marker = parts.shift() as KnownHostLine['marker'];
    const [patterns, keyType, b64] = parts;
    if (!patterns || !keyType || !b64) return; // a malformed line is skipped, as ssh does
    out.push({ line: i + 1, marker, patterns, keyType, key: Buffer.from(b64, 'base64') });
  });
  return out;
}

function hashedMatch(entry: string, name: string): boolean {
  const [, , salt, hash] = entry.split('|');
  if (!salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

/** ssh's pattern-list rule: some positive pattern matches and no negated one does. */
export function patternsMatch(patterns: string, names: string[]): boolean {
  if (patterns.startsWith('|1|')) return names.some((n) => hashedMatch(patterns, n));
  let hit = false;
  for (const p of patterns.split(',')) {
    const neg = p.startsWith('!');
    const pat = neg ? p.slice(1) : p;
    const m = names.some((n) => (/[*?]/.test(pat) ? picomatch.isMatch(n, pat, { dot: true }) : pat.toLowerCase() === n.toLowerCase()));
    if (m && neg) return false;
    if (m) hit = true;
  }
  return hit;
}

const RSA_ALGOS = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/**
 * A known_hosts file: lookups, the verdict for a key a host offers, and
 * appending newly accepted keys (serialized, atomic).
 */
export class KnownHosts {
  private lines: KnownHostLine[] | undefined;
  private readonly appends = new Serial();

  constructor(readonly file: string) {}

  private async load(): Promise<KnownHostLine[]> {
    if (!this.lines) {
      const text = await readFile(this.file, 'utf8').catch((e: unknown) => {
        if (isNotFound(e)) return '';
        throw e;
      });
      this.lines = parseKnownHosts(text);
    }
    return this.lines;
  }

  async entriesFor(host: string, port: number): Promise<KnownHostLine[]> {
    const names = [hostName(host, port)];
    return (await this.load()).filter((l) => l.marker !== '@cert-authority' && patternsMatch(l.patterns, names));
  }

  /**
   * Host key algorithms to offer, so that the server proves the key type we
   * already know (as ssh does); undefined when the host is unknown.
   */
  async algorithmsFor(host: string, port: number): Promise<string[] | undefined> {
    const types = [...new Set((await this.entriesFor(host, port)).filter((l) => !l.marker).map((l) => l.keyType))];
    if (!types.length) return undefined;
    return types.flatMap((t) => (t === 'ssh-rsa' ? RSA_ALGOS : [t]));
  }

  async verdict(host: string, port: number, key: Buffer): Promise<HostKeyVerdict> {
    const entries = await this.entriesFor(host, port);
    const revoked = entries.find((l) => l.marker === '@revoked' && l.key.equals(key));
    if (revoked) return { kind: 'revoked', line: revoked.line };
    const plain = entries.filter((l) => !l.marker);
    if (plain.some((l) => l.key.equals(key))) return { kind: 'match' };
    const type = keyTypeOf(key);
    const sameType = plain.find((l) => l.keyType === type) ?? plain[0];
    if (sameType) return { kind: 'changed', line: sameType.line, expected: `${sameType.keyType} ${fingerprint(sameType.key)}` };
    return { kind: 'unknown' };
  }

  /** Records a host key (--accept-new). Appends are serialized so parallel hosts never lose a line. */
  add(host: string, port: number, key: Buffer): Promise<void> {
    const run = async (): Promise<void> => {
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      const text = await readFile(this.file, 'utf8').catch(() => '');
      const line = `${hostName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
      const next = text && !text.endsWith('\n') ? `${text}\n${line}` : text + line;
      await writeFileAtomic(this.file, next, { mode: 0o644 });
      this.lines = parseKnownHosts(next);
    };
    return this.appends.run(run);
  }
}
