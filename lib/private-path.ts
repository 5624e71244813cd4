import type { Stats } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isNotFound } from './errors.js';

/**
 * Checks that a directory someone else could have prepared is really ours:
 * what root (or the login user) writes there, runs or trusts must not be
 * under another local user's control. Trusted owners are root and the uids
 * given; a trusted entry is no symlink and writable by no group or other.
 */

export class UnsafePathError extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`${path} ${reason}`);
  }
}

const ownerList = (owners: readonly number[]): string =>
  [...new Set([...owners.filter((u) => u !== 0), 0])].map((u) => (u === 0 ? 'root' : `uid ${u}`)).join(' or ');

/** Why an lstat result is not a private entry of the kind wanted, or undefined when it is. */
export function privateProblem(st: Stats, owners: readonly number[], want: 'directory' | 'file'): string | undefined {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (want === 'directory' ? !st.isDirectory() : !st.isFile()) return `is not a ${want === 'file' ? 'regular file' : want}`;
  if (st.uid !== 0 && !owners.includes(st.uid)) return `is owned by uid ${st.uid}, not by ${ownerList(owners)}`;
  if (st.mode & 0o022) return `is writable by group or others (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  return undefined;
}

/** lstat that answers undefined for an absent path. */
async function lstatOrNone(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Throws UnsafePathError unless `path` is absent or a private entry of the kind wanted. */
export async function assertPrivateEntry(path: string, owners: readonly number[], want: 'directory' | 'file'): Promise<boolean> {
  const st = await lstatOrNone(path);
  if (!st) return false;
  const problem = privateProblem(st, owners, want);
  if (problem) throw new UnsafePathError(path, problem);
  return true;
}

/**
 * A directory only trusted owners can change, reached through directories
 * only they can change: every ancestor (after resolving symlinks, which then
 * belong to those ancestors' owners) is owned by root or a trusted uid and is
 * writable by no one else unless sticky (like /var/tmp, where others may add
 * entries but not rename ours). The directory itself must be no symlink.
 * Answers false when the directory does not exist (its parent checked alike).
 */
export async function assertPrivateDir(dir: string, owners: readonly number[]): Promise<boolean> {
  const abs = resolve(dir);
  const parent = await realpath(dirname(abs)).catch(() => undefined);
  if (parent === undefined) return false;
  const parts = parent.split('/').filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const p = `/${parts.slice(0, i).join('/')}`;
    const st = await lstat(p);
    if (st.uid !== 0 && !owners.includes(st.uid)) throw new UnsafePathError(p, `(a parent of ${abs}) is owned by uid ${st.uid}, not by ${ownerList(owners)}`);
    if ((st.mode & 0o022) && !(st.mode & 0o1000)) throw new UnsafePathError(p, `(a parent of ${abs}) is writable by group or others without the sticky bit`);
  }
  return assertPrivateEntry(abs, owners, 'directory');
}
