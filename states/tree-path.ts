import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** A path in a template that would leave the state tree. */
export class TreeEscapeError extends Error {}

/**
 * True when `path` is `root` or inside it, comparing whole path components:
 * /srv/tree-secret/x is not inside /srv/tree (a string prefix test says it is).
 */
export function isInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * The real path of `rel` (relative to the state tree at `root`; leading slashes
 * ignored as join() does), or undefined when nothing is there. Throws
 * TreeEscapeError when it leaves the tree by `..` or through a symlink whose
 * target is outside the tree's real path (symlinks inside the tree are fine).
 */
export function resolveInTree(root: string, rel: string): string | undefined {
  const abs = resolve(root, rel.replace(/^\/+/, ''));
  if (!isInside(root, abs)) throw new TreeEscapeError(`${rel} is outside the state tree`);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
  if (!isInside(realpathSync(root), real)) throw new TreeEscapeError(`${rel} resolves to ${real}, outside the state tree (a symlink leaving the tree)`);
  return real;
}
