import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from './fs-atomic.js';
import { isNotFound, UmecError, type ErrorCode } from './errors.js';

/**
 * What to do with a file that exists but does not hold what the store expects:
 * - `refuse` (the default): leave it where it is and throw; nothing starts over silently.
 * - `reset`: rename it aside to NAME.damaged-TIMESTAMP (kept for a human) and read as absent.
 */
export type DamagedPolicy = 'refuse' | 'reset';

export interface JsonStoreOptions<T> {
  /** What the file is, for messages ("token store"); leave out when the error code already says it. */
  what?: string;
  /** Checks a parsed value and returns it typed; throws an Error whose message says what is wrong. */
  check?: (v: unknown) => T;
  onDamaged?: DamagedPolicy;
  /** Told to a user after a refusal: what to do about the file. */
  hint?: string;
  /** The code of every error about this file; its template must take {file} and {reason}. Default CONFIG. */
  code?: Extract<ErrorCode, 'CONFIG' | 'REDFISH_ACCOUNTS' | 'FW_STATE'>;
  /** File mode (default 0600: stores hold secrets more often than not). */
  mode?: number;
  /** Mode of the parent directory when it has to be made (default 0700). */
  dirMode?: number;
  /** JSON.stringify indentation (default 2). */
  indent?: number;
  /** Told when a damaged file was put aside under `reset`. */
  onReset?: (aside: string, reason: string) => void;
}

/**
 * One JSON document in one file. Writes are atomic and durable (lib/fs-atomic:
 * temp file, fsync, rename, fsync of the directory); a damaged file is handled
 * by the store's declared policy. Serialising read-modify-write is the caller's
 * job (lib/serial), as it knows what a change is.
 */
export class JsonStore<T> {
  constructor(readonly file: string, private readonly o: JsonStoreOptions<T>) {}

  /** The stored value, or undefined when there is no file (or a damaged one was reset). */
  async read(): Promise<T | undefined> {
    let text: string;
    try { text = await readFile(this.file, 'utf8'); } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.error((e as Error).message);
    }
    let v: unknown;
    try { v = JSON.parse(text); } catch (e) { return this.damaged(`not JSON: ${(e as Error).message}`); }
    if (!this.o.check) return v as T;
    try { return this.o.check(v); } catch (e) { return this.damaged((e as Error).message); }
  }

  async write(value: T): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: this.o.dirMode ?? 0o700 });
    await writeFileAtomic(this.file, `${JSON.stringify(value, null, this.o.indent ?? 2)}\n`, { mode: this.o.mode ?? 0o600 });
  }

  private async damaged(reason: string): Promise<undefined> {
    if ((this.o.onDamaged ?? 'refuse') === 'refuse') {
      const what = this.o.what ? `damaged ${this.o.what} (${reason})` : reason;
      throw this.error(`${what}${this.o.hint ? `; ${this.o.hint}` : ''}`);
    }
    const aside = `${this.file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.file, aside);
    this.o.onReset?.(aside, reason);
    return undefined;
  }

  private error(reason: string): UmecError {
    const code = this.o.code ?? 'CONFIG';
    return new UmecError(code, code === 'FW_STATE' ? { reason: `${this.file}: ${reason}` } : { file: this.file, reason });
  }
}

/** A `check` for a plain JSON object (not an array, not null). */
export function objectCheck<T extends object>(describe: string, ok: (v: Record<string, unknown>) => boolean = () => true): (v: unknown) => T {
  return (v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !ok(v as Record<string, unknown>)) throw new Error(`not ${describe}`);
    return v as T;
  };
}
