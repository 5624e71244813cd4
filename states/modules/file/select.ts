import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fnmatch } from '../../../lib/fnmatch.js';
import { compilePy, pySearch } from './pyregex.js';

type Pat = string | string[] | undefined | null;

/** One pattern: `E@regex` is a Python regex searched in the path, anything else a glob. */
const patCheck = (path: string, pat: string): boolean =>
  (pat.startsWith('E@') ? pySearch(compilePy(pat.slice(2)), path) : fnmatch(path, pat));

/** Salt's salt.utils.stringutils.check_include_exclude for include_pat/exclude_pat. */
export function checkIncludeExclude(path: string, include: Pat, exclude: Pat): boolean {
  const inc = include ? (Array.isArray(include) ? include.some((p) => patCheck(path, p)) : patCheck(path, include)) : true;
  const exc = exclude ? (Array.isArray(exclude) ? !exclude.some((p) => patCheck(path, p)) : !patCheck(path, exclude)) : true;
  return inc && exc;
}

export interface WalkEntry { root: string; dirs: string[]; files: string[] }

/**
 * Python's os.walk, top-down: symlinks to directories are listed among `dirs` but not entered;
 * with maxDepth, directories that deep list no subdirectories.
 */
export async function walk(top: string, maxDepth?: number): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  const visit = async (root: string, depth: number) => {
    let names: string[];
    try { names = (await readdir(root)).sort(); } catch { return; }
    const dirs: string[] = [];
    const files: string[] = [];
    const links: string[] = [];
    for (const n of names) {
      const st = await lstat(join(root, n)).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) dirs.push(n);
      else if (st.isSymbolicLink()) {
        const target = await stat(join(root, n)).catch(() => undefined);
        (target?.isDirectory() ? links : files).push(n);
      } else files.push(n);
    }
    // Salt's _depth_limited_walk empties `dirs` at max_depth: they are neither listed nor entered
    if (maxDepth !== undefined && depth >= maxDepth) { out.push({ root, dirs: [], files }); return; }
    out.push({ root, dirs: [...dirs, ...links].sort(), files });
    for (const d of dirs) await visit(join(root, d), depth + 1);
  };
  await visit(top, 0);
  return out;
}
