import { chmod, chown, lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { StateArgs, StateContext, StateFunction, StateReturn } from '../../types.js';
import { fail, formatMode, modeSchema, parseMode, statOrUndefined } from './common.js';
import { checkIncludeExclude, walk, type WalkEntry } from './select.js';

/*
 * Salt's file.directory (3006): a pure check (_check_directory: what would change, which is
 * also the test-mode answer), then the doing: create (with parents under makedirs), fix the
 * directory's own owner/mode, recurse owner/mode into the tree, clean what no state requires.
 */

const RECURSE_VALUES = ['user', 'group', 'mode', 'ignore_files', 'ignore_dirs', 'silent'];

export const directorySchema = {
  type: 'object',
  properties: {
    user: { type: ['string', 'integer'] }, group: { type: ['string', 'integer'] },
    mode: modeSchema, dir_mode: modeSchema, file_mode: modeSchema,
    makedirs: { type: 'boolean', default: false },
    clean: { type: 'boolean', default: false },
    recurse: { type: 'array', items: { type: 'string' } },
    max_depth: { type: ['integer', 'null'] },
    exclude_pat: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'null' }] },
    follow_symlinks: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    backupname: { type: 'string' },
    allow_symlink: { type: 'boolean', default: true },
    children_only: { type: 'boolean', default: false },
  },
  additionalProperties: false,
};

/** Resolved owner and modes: uid/gid -1 when not managed. */
interface Perms { user?: string; group?: string; uid: number; gid: number; dirMode?: number; fileMode?: number }

type Changes = Record<string, unknown>;

/** Salt's _check_user: a missing user/group fails the state, except in test mode (another state may add it). */
async function resolvePerms(a: StateArgs, ctx: StateContext): Promise<Perms | string> {
  const p: Perms = { uid: -1, gid: -1 };
  let err = '';
  if (a.user !== undefined && a.user !== null) {
    p.user = String(a.user);
    const u = typeof a.user === 'number' ? { uid: a.user } : await ctx.drivers.users.getUser(p.user);
    if (!u) err += `User ${p.user} is not available `; else p.uid = u.uid;
  }
  if (a.group !== undefined && a.group !== null) {
    p.group = String(a.group);
    const g = typeof a.group === 'number' ? { gid: a.group } : await ctx.drivers.users.getGroup(p.group);
    if (!g) err += `Group ${p.group} is not available`; else p.gid = g.gid;
  }
  const dirMode = parseMode(a.dir_mode ?? a.mode);
  p.dirMode = dirMode;
  p.fileMode = parseMode(a.file_mode) ?? dirMode;
  if (err && !ctx.test) return err.trimEnd();
  return p;
}

/** Salt's _check_dir_meta / per-file check: the owner and mode changes one path needs. */
function metaChanges(st: Stats | undefined, p: { user?: string; group?: string; uid: number; gid: number }, mode: number | undefined,
  followSymlinks: boolean): Changes {
  if (!st) return { directory: 'new' };
  const c: Changes = {};
  if (p.user !== undefined && (p.uid === -1 || st.uid !== p.uid)) c.user = p.user;
  if (p.group !== undefined && (p.gid === -1 || st.gid !== p.gid)) c.group = p.group;
  if (mode !== undefined && (st.mode & 0o7777) !== mode && (followSymlinks || !st.isSymbolicLink())) c.mode = formatMode(mode);
  return c;
}

const statFor = (path: string, follow: boolean) => (follow ? stat(path) : lstat(path)).catch(() => undefined);

/** Adds a path and all its parents (Salt's _find_keep_files: a kept file keeps its directories). */
export function addWithParents(keep: Set<string>, path: string): void {
  for (let q = path; ; q = dirname(q)) {
    keep.add(q);
    if (q === dirname(q)) break;
  }
}

/** Paths states this one requires keep under clean (Salt's _gen_keep_files), with their parents. */
export async function keepSet(name: string, ctx: StateContext): Promise<Set<string>> {
  const keep = new Set<string>([name]);
  for (const r of ctx.required ?? []) {
    if (r.module !== 'file') continue;
    const st = await statOrUndefined(r.name);
    if (st?.isDirectory()) {
      const rel = relative(name, r.name);
      if (rel.startsWith('..') || isAbsolute(rel)) continue;
      addWithParents(keep, r.name);
      for (const e of await walk(r.name)) for (const n of [...e.dirs, ...e.files]) keep.add(join(e.root, n));
    } else {
      addWithParents(keep, r.name);
    }
  }
  return keep;
}

export interface Recursion { user: boolean; group: boolean; mode: boolean; files: boolean; dirs: boolean; silent: boolean }

/** Salt's _get_recurse_set with its messages. */
function recursion(recurse: unknown): Recursion | string {
  if (!Array.isArray(recurse)) return 'Types for "recurse" limited to list and tuple.';
  const bad = recurse.filter((r) => !RECURSE_VALUES.includes(String(r)));
  if (bad.length) return `Types for "recurse" limited to ${RECURSE_VALUES.map((v) => `"${v}"`).join(', ')}.`;
  const s = new Set(recurse.map(String));
  if (s.has('ignore_files') && s.has('ignore_dirs')) return 'Must not specify "recurse" options "ignore_files" and "ignore_dirs" at the same time.';
  return { user: s.has('user'), group: s.has('group'), mode: s.has('mode'), files: !s.has('ignore_files'), dirs: !s.has('ignore_dirs'), silent: s.has('silent') };
}

/** Salt's _check_directory: the changes the state would make (test mode's answer too). */
async function checkDirectory(name: string, a: StateArgs, p: Perms, rec: Recursion | undefined, tree: WalkEntry[] | undefined,
  keep: Set<string>): Promise<{ result: boolean | null; comment: string; changes: Changes }> {
  const follow = a.follow_symlinks as boolean;
  const changes: Record<string, Changes> = {};
  if (rec && tree) {
    const rp = { user: rec.user ? p.user : undefined, group: rec.group ? p.group : undefined, uid: p.uid, gid: p.gid };
    for (const e of tree) {
      if (rec.files) {
        for (const f of e.files) {
          const path = join(e.root, f);
          const c = metaChanges(await statFor(path, follow), rp, rec.mode ? p.fileMode : undefined, follow);
          if (Object.keys(c).length) changes[path] = c;
        }
      }
      if (rec.dirs) {
        for (const d of e.dirs) {
          const path = join(e.root, d);
          const c = metaChanges(await statFor(path, follow), rp, rec.mode ? p.dirMode : undefined, follow);
          if (Object.keys(c).length) changes[path] = c;
        }
      }
    }
  }
  const own = metaChanges(await statFor(name, follow), p, p.dirMode, follow);
  if (Object.keys(own).length) changes[name] = own;
  if (a.clean && tree) {
    for (const e of tree) {
      for (const n of [...e.files, ...e.dirs]) {
        const path = join(e.root, n);
        if (keep.has(path) || !checkIncludeExclude(relative(name, path), null, a.exclude_pat as string | string[] | undefined)) continue;
        changes[path] = { removed: 'Removed due to clean' };
      }
    }
  }
  if (!await statOrUndefined(name)) changes[name] = { directory: 'new' };
  if (Object.keys(changes).length) {
    const lines = ['The following files will be changed:\n'];
    for (const [path, c] of Object.entries(changes)) for (const [k, v] of Object.entries(c)) lines.push(`${path}: ${k} - ${String(v)}\n`);
    return { result: null, comment: lines.join(''), changes };
  }
  return { result: true, comment: `The directory ${name} is in the correct state`, changes };
}

/** Salt's file.check_perms on an existing path: fixes owner/mode, notes them as top-level changes. */
async function checkPerms(path: string, changes: Changes, p: { user?: string; group?: string; uid: number; gid: number },
  mode: number | undefined, follow: boolean): Promise<void> {
  const st = await statFor(path, follow);
  if (!st) return;
  const c = metaChanges(st, p, mode, follow);
  const uid = c.user !== undefined ? p.uid : -1;
  const gid = c.group !== undefined ? p.gid : -1;
  if (uid !== -1 || gid !== -1) await chown(path, uid, gid);
  if (c.mode !== undefined) await chmod(path, mode!);
  Object.assign(changes, c);
}

/** Salt's file.makedirs_perms: the directory and its missing parents, each with the owner and mode. */
export async function makedirsPerms(path: string, p: { uid: number; gid: number }, mode: number | undefined): Promise<void> {
  const parent = dirname(path);
  if (parent !== path && !await statOrUndefined(parent)) await makedirsPerms(parent, p, mode);
  try {
    await mkdir(path);
  } catch (e) {
    // made meanwhile by a state running at the same time (two agents or roster hosts on one box):
    // it is there, and its maker set its owner and mode
    if ((e as NodeJS.ErrnoException).code === 'EEXIST' && (await statOrUndefined(path))?.isDirectory()) return;
    throw e;
  }
  if (p.uid !== -1 || p.gid !== -1) await chown(path, p.uid, p.gid);
  if (mode !== undefined) await chmod(path, mode);
}

/** Salt's _clean_dir: removes what is neither kept nor excluded; returns the removed paths. */
export async function cleanDir(root: string, keep: Set<string>, exclude: unknown, test: boolean): Promise<string[]> {
  const removed: string[] = [];
  // like os.walk: a directory removed on the way is not entered; in test mode nothing is removed
  const visit = async (dir: string) => {
    const names = (await readdir(dir).catch(() => [] as string[])).sort();
    const dirs: string[] = [];
    for (const n of names) {
      const path = join(dir, n);
      const isDir = (await lstat(path).catch(() => undefined))?.isDirectory() ?? false;
      if (!keep.has(path) && checkIncludeExclude(relative(root, path), null, exclude as string | string[] | undefined)) {
        removed.push(path);
        if (!test) { await rm(path, { recursive: true, force: true }); continue; }
      }
      if (isDir) dirs.push(path);
    }
    for (const d of dirs) await visit(d);
  };
  await visit(root);
  return removed.sort();
}

/** Salt's file.directory. */
export const directory: StateFunction = {
  schema: directorySchema,
  async run(args, ctx) {
    let name = args.name;
    if (name.length > 1 && name.endsWith(sep)) name = name.slice(0, -1);
    const a: StateArgs = { ...args, name };
    const ret = (result: boolean | null, comment: string, changes: Changes = {}): StateReturn => ({ name, result, changes, comment });
    if (a.max_depth !== undefined && a.max_depth !== null && a.clean) return fail(name, 'Cannot specify both max_depth and clean');
    const p = await resolvePerms(a, ctx);
    if (typeof p === 'string') return fail(name, p);
    if (!isAbsolute(name)) return fail(name, `Specified file ${name} is not an absolute path`);
    const changes: Changes = {};
    const lst = await statOrUndefined(name);
    const isLink = lst?.isSymbolicLink() ?? false;
    // os.path.isfile follows the link
    const isFile = (await stat(name).catch(() => undefined))?.isFile() ?? false;
    if (isFile || (!a.allow_symlink && isLink) || (a.force && isLink)) {
      if (a.backupname !== undefined) {
        const bk = String(a.backupname);
        if (await statOrUndefined(bk)) {
          if (!a.force) return fail(name, `File exists where the backup target ${bk} should go`);
          await rm(bk, { recursive: true, force: true });
        }
        await rename(name, bk);
      } else if (a.force) {
        const what = isFile && !isLink ? 'File' : isLink ? 'Symlink' : 'Directory';
        if (ctx.test) changes.forced = `${what} would be forcibly replaced`;
        else {
          await rm(name, { recursive: true, force: true });
          changes.forced = `${what} was forcibly replaced`;
        }
      } else if (isFile) {
        return fail(name, `Specified location ${name} exists and is a file`);
      } else if (isLink) {
        return fail(name, `Specified location ${name} exists and is a symlink`);
      }
    }
    let rec: Recursion | undefined;
    if (a.recurse !== undefined && (a.recurse as unknown[]).length > 0) {
      const r = recursion(a.recurse);
      if (typeof r === 'string') return fail(name, r);
      rec = r;
    }
    const exists = (await statOrUndefined(name))?.isDirectory() ?? false;
    const needTree = exists && (rec !== undefined || a.clean);
    const tree = needTree ? await walk(name, a.max_depth as number | undefined) : undefined;
    const keep = a.clean ? await keepSet(name, ctx) : new Set<string>();
    const check = await checkDirectory(name, a, p, rec, tree, keep);
    Object.assign(changes, check.changes);
    if (ctx.test || Object.keys(changes).length === 0) return ret(check.result, check.comment, changes);

    if (!exists) {
      if (!await statOrUndefined(dirname(name))) {
        if (!a.makedirs) return fail(name, `No directory to create ${name} in`);
      }
      await makedirsPerms(name, p, p.dirMode);
      changes[name] = { directory: 'new' };
      return ret(true, '', changes);
    }
    let comment = '';
    let result: boolean = true;
    const follow = a.follow_symlinks as boolean;
    if (!a.children_only) await checkPerms(name, changes, p, p.dirMode, follow);
    if (rec && tree) {
      const rp = { user: rec.user ? p.user : undefined, group: rec.group ? p.group : undefined, uid: p.uid, gid: p.gid };
      if (rec.user && p.user === undefined) { result = false; comment = 'user not specified, but configured as a target for recursive ownership management'; }
      if (rec.group && p.group === undefined) { result = false; comment = 'group not specified, but configured as a target for recursive ownership management'; }
      if (rec.silent) {
        for (const k of Object.keys(changes)) delete changes[k];
        changes.recursion = 'Changes silenced';
      }
      for (const e of tree) {
        if (rec.files) for (const f of e.files) await checkPerms(join(e.root, f), changes, rp, rec.mode ? p.fileMode : undefined, follow);
        if (rec.dirs) for (const d of e.dirs) await checkPerms(join(e.root, d), changes, rp, rec.mode ? p.dirMode : undefined, follow);
      }
    }
    if (a.clean) {
      const removed = await cleanDir(name, keep, a.exclude_pat, false);
      if (removed.length) {
        changes.removed = removed;
        comment = `Files cleaned from directory ${name}`;
      }
    }
    if (!comment) {
      if (a.children_only) comment = `Directory ${name}/* updated`;
      else if (Object.keys(changes).length) comment = `Directory ${name} updated`;
    }
    if (Object.keys(changes).length === 0 && result) {
      comment = comment ? `The directory ${name} is in the correct state\n${comment}` : `The directory ${name} is in the correct state`;
    }
    return ret(result, comment, changes);
  },
};
