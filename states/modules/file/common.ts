import { chmod, chown, lstat, mkdir, readFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { writeFileAtomic } from '../../../lib/fs-atomic.js';
import type { StateContext, StateReturn } from '../../types.js';
import { isNotFound } from '../../../lib/errors.js';

export const modeSchema = { anyOf: [{ type: 'string', pattern: '^0?[0-7]{3,4}$' }, { type: 'integer', minimum: 0, maximum: 7777 }] };

/** Salt accepts mode as '0644', '644' or 644 (digits read as octal). */
export function parseMode(mode: unknown): number | undefined {
  if (mode === undefined || mode === null) return undefined;
  return parseInt(String(mode), 8);
}

export const formatMode = (m: number): string => `0${(m & 0o7777).toString(8).padStart(3, '0')}`;

export async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export async function readOrUndefined(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export function fail(name: string, comment: string): StateReturn {
  return { name, result: false, changes: {}, comment };
}

export function requireAbsolute(name: string): StateReturn | undefined {
  return isAbsolute(name) ? undefined : fail(name, `Specified file ${name} is not an absolute path`);
}

const isBinary = (b: Buffer) => b.subarray(0, 8000).includes(0);

/** Unified diff like Salt shows in `changes.diff`. */
export async function diffText(oldBuf: Buffer | undefined, newBuf: Buffer): Promise<string> {
  if (oldBuf === undefined) return 'New file';
  if (isBinary(oldBuf) || isBinary(newBuf)) return 'Replace binary file';
  const { createTwoFilesPatch } = await import('diff'); // only needed when a file changes
  return createTwoFilesPatch('', '', oldBuf.toString('utf8'), newBuf.toString('utf8'), '', '', { context: 3 })
    .split('\n').slice(2).map((l, i) => (i < 2 ? l.replace(/\t$/, '') : l)).join('\n');
}

export interface Ownership { user?: string; group?: string; mode?: unknown }

/**
 * Changes needed to bring owner/group/mode of an existing path in line
 * (keys as Salt reports them), and a function that applies them.
 */
export async function ownershipChanges(path: string, st: Stats | undefined, want: Ownership, ctx: StateContext):
  Promise<{ changes: Record<string, string>; apply: () => Promise<void>; error?: string }> {
  const changes: Record<string, string> = {};
  let uid = -1;
  let gid = -1;
  if (want.user !== undefined) {
    const u = await ctx.drivers.users.getUser(want.user);
    if (!u) return { changes, apply: async () => undefined, error: `User ${want.user} is not available` };
    if (!st || st.uid !== u.uid) { changes.user = want.user; uid = u.uid; }
  }
  if (want.group !== undefined) {
    const g = await ctx.drivers.users.getGroup(want.group);
    if (!g) return { changes, apply: async () => undefined, error: `Group ${want.group} is not available` };
    if (!st || st.gid !== g.gid) { changes.group = want.group; gid = g.gid; }
  }
  const mode = parseMode(want.mode);
  if (mode !== undefined && (!st || (st.mode & 0o7777) !== mode)) changes.mode = formatMode(mode);
  const apply = async () => {
    if (uid !== -1 || gid !== -1) await chown(path, uid, gid);
    if (mode !== undefined && changes.mode) await chmod(path, mode);
  };
  return { changes, apply };
}

/** Why the parent directory stands in the way, if it does (checked in test mode too). */
export async function parentProblem(path: string, makedirs: boolean): Promise<string | undefined> {
  const dir = dirname(path);
  if (makedirs || await statOrUndefined(dir)) return undefined;
  return `Parent directory not present: ${dir} (set makedirs: true to create it)`;
}

export async function ensureParent(path: string, makedirs: boolean): Promise<string | undefined> {
  const problem = await parentProblem(path, makedirs);
  if (problem) return problem;
  await mkdir(dirname(path), { recursive: true });
  return undefined;
}

export { writeFileAtomic };
