import { stat } from 'node:fs/promises';
import { isNotFound } from './errors.js';
import { sha256File } from './manifest.js';

/** What a content-addressed file held when its hash was last checked. */
export type CheckResult = 'ok' | 'missing' | 'corrupt';

/** Details of a content-addressed file whose bytes are not its address. */
export interface CorruptFile { path: string; expected: string; actual: string }

/**
 * Checks files named by their sha256 before they are used. A file is hashed in full (streaming) the
 * first time this process uses it; afterwards its stat fingerprint (inode, size, mtime and ctime in
 * nanoseconds) stands for that check, so a repeated read of a 1 GiB image costs one stat. Any write
 * to the file changes its ctime, which no one but the kernel sets, so the next use hashes again.
 * Fingerprints live in memory only: a sidecar file could be rewritten by whoever rewrote the blob.
 * What a fingerprint cannot see (bits that rot under an unchanged inode) a full scrub finds
 * (`forget()` everything, then check each file).
 */
export class VerifiedFiles {
  private readonly known = new Map<string, string>();

  constructor(private readonly onCorrupt: (f: CorruptFile) => void = () => undefined) {}

  /** 'ok' when `path` holds bytes whose sha256 is `hash`; a mismatch is reported to onCorrupt. */
  async check(path: string, hash: string): Promise<CheckResult> {
    const fp = await fingerprint(path);
    if (fp === undefined) { this.known.delete(path); return 'missing'; }
    if (fp === NOT_A_FILE) {
      this.known.delete(path);
      this.onCorrupt({ path, expected: hash, actual: 'not a regular file' });
      return 'corrupt';
    }
    if (this.known.get(path) === `${hash} ${fp}`) return 'ok';
    let actual: string;
    try {
      actual = await sha256File(path);
    } catch (e) {
      if (isNotFound(e)) return 'missing';
      throw e;
    }
    // the fingerprint after hashing: a write while we read must not be taken as checked
    const after = await fingerprint(path);
    if (actual !== hash) {
      this.known.delete(path);
      this.onCorrupt({ path, expected: hash, actual });
      return 'corrupt';
    }
    if (after === fp) this.known.set(path, `${hash} ${fp}`);
    return 'ok';
  }

  /** Records a file this process has just written and hash-checked itself (no second read). */
  async remember(path: string, hash: string): Promise<void> {
    const fp = await fingerprint(path);
    if (fp !== undefined && fp !== NOT_A_FILE) this.known.set(path, `${hash} ${fp}`);
  }

  /** Drops what is known, so the next check of every file hashes it in full (a scrub). */
  forget(path?: string): void {
    if (path === undefined) this.known.clear();
    else this.known.delete(path);
  }
}

const NOT_A_FILE = 'not a file';

async function fingerprint(path: string): Promise<string | undefined> {
  try {
    const st = await stat(path, { bigint: true });
    if (!st.isFile()) return NOT_A_FILE;
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch (e) {
    if (isNotFound(e) || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}
