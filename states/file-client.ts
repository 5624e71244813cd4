import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { isNotFound, UmecError } from '../lib/errors.js';
import type { FileClient, TreeListing } from './types.js';

const SCHEMES = ['umec://', 'salt://'];

/** Relative path inside the state tree for umec://path (salt:// accepted for Salt users). */
export function treePath(url: string): string {
  const scheme = SCHEMES.find((s) => url.startsWith(s));
  if (!scheme) throw new UmecError('FILE_SOURCE', { source: url, reason: 'expected a umec:// URL' });
  const rel = url.slice(scheme.length).replace(/^\/+/, '');
  if (rel === '' || rel.split('/').includes('..')) {
    throw new UmecError('FILE_SOURCE', { source: url, reason: 'path must stay inside the state tree' });
  }
  return rel;
}

export function isTreeUrl(s: string): boolean {
  return SCHEMES.some((p) => s.startsWith(p));
}

/** Serves umec:// files from a state tree on the local disk. */
export class LocalFileClient implements FileClient {
  constructor(private readonly root: string) {}

  describe(url: string): string {
    return resolve(this.root, treePath(url));
  }

  async read(url: string): Promise<Buffer> {
    const abs = this.describe(url);
    if (!abs.startsWith(resolve(this.root) + sep)) {
      throw new UmecError('FILE_SOURCE', { source: url, reason: 'path must stay inside the state tree' });
    }
    try {
      return await readFile(abs);
    } catch (e) {
      const reason = isNotFound(e) ? `not found in the state tree (${abs})` : String((e as Error).message);
      throw new UmecError('FILE_SOURCE', { source: url, reason });
    }
  }

  async list(url: string): Promise<TreeListing | undefined> {
    const top = this.describe(url);
    if (!top.startsWith(resolve(this.root) + sep)) {
      throw new UmecError('FILE_SOURCE', { source: url, reason: 'path must stay inside the state tree' });
    }
    if (!(await stat(top).catch(() => undefined))?.isDirectory()) return undefined;
    const out: TreeListing = { files: [], dirs: [], symlinks: {}, modes: {} };
    const visit = async (dir: string, rel: string, depth: number) => {
      for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const abs = `${dir}/${e.name}`;
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isSymbolicLink()) out.symlinks[r] = await readlink(abs);
        const st = await stat(abs).catch(() => undefined); // follows links, as Salt's file server does
        if (!st) continue;
        if (st.isDirectory()) {
          out.dirs.push(r);
          if (depth < 64) await visit(abs, r, depth + 1); // a link loop stops somewhere
        } else if (st.isFile()) {
          out.files.push(r);
          out.modes[r] = st.mode & 0o7777;
        }
      }
    };
    await visit(top, '', 0);
    return out;
  }
}
