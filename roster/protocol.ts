/**
 * The conversation between the controller and the thin bundle over one SSH
 * exec channel. Messages are JSON lines prefixed with a marker (so that noise
 * a login shell prints is ignored); a blob is a header line followed by
 * exactly `size` raw bytes.
 */
import type { Manifest } from '../states/tree-cache.js';
import type { JobFun } from '../lib/messages.js';

export const PREFIX = 'umec1 ';
export const PROTOCOL_VERSION = 1;

export type ToThin =
  | { t: 'start'; fun: JobFun; id: string; grains: Record<string, unknown>; args: { cmd?: string[] }; refreshGrains?: boolean }
  | { t: 'plan'; chunks: unknown[]; pillar: Record<string, unknown>; opts: Record<string, unknown>; test: boolean; manifest: Manifest }
  | { t: 'blob'; hash: string; size: number }
  | { t: 'bye' };

export type FromThin =
  | { t: 'hello'; version: number; node: string; uid: number }
  | { t: 'grains'; grains: Record<string, unknown> }
  | { t: 'need'; hashes: string[] }
  | { t: 'result'; ret: unknown; retcode: number; success: boolean }
  | { t: 'error'; message: string }
  /** thin_dir (or what is in it) could have been prepared by another local user: nothing was used. */
  | { t: 'unsafe'; path: string; reason: string }
  /** From the launcher, before node runs: the bundle is not in thin_dir, or fails its checksum. */
  | { t: 'missing'; uid?: number }
  | { t: 'corrupt'; uid?: number }
  /** From the launcher: no node on PATH. */
  | { t: 'nonode'; path: string };

export function encode(msg: ToThin | FromThin): string {
  return `${PREFIX}${JSON.stringify(msg)}\n`;
}

/**
 * Splits a byte stream into messages and blob bodies. Lines without the
 * prefix are handed to `noise` (a shell's banner, say).
 */
export class MessageReader<M extends { t: string }> {
  private buf: Buffer = Buffer.alloc(0);
  private blob: { header: M; size: number; parts: Buffer[]; got: number } | undefined;

  constructor(private readonly on: { message: (m: M, body?: Buffer) => void; noise?: (line: string) => void }) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.blob) {
        const take = Math.min(this.blob.size - this.blob.got, this.buf.length);
        if (take) {
          this.blob.parts.push(this.buf.subarray(0, take));
          this.blob.got += take;
          this.buf = this.buf.subarray(take);
        }
        if (this.blob.got < this.blob.size) return;
        const { header, parts } = this.blob;
        this.blob = undefined;
        this.on.message(header, Buffer.concat(parts));
        continue;
      }
      const nl = this.buf.indexOf(10);
      if (nl < 0) return;
      const line = this.buf.subarray(0, nl).toString('utf8');
      this.buf = this.buf.subarray(nl + 1);
      if (!line.startsWith(PREFIX)) {
        if (line.trim()) this.on.noise?.(line);
        continue;
      }
      const msg = JSON.parse(line.slice(PREFIX.length)) as M & { size?: number };
      if (msg.t === 'blob' && typeof msg.size === 'number') {
        this.blob = { header: msg, size: msg.size, parts: [], got: 0 };
        continue;
      }
      this.on.message(msg);
    }
  }
}
