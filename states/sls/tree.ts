import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface SlsFile { sls: string; path: string; text: string }

/** Where SLS files come from: a local directory now, the master's file server later. */
export interface SlsSource {
  readonly root: string;
  /** The SLS file for a dotted name, or undefined; `tried` lists the paths looked at. */
  get(sls: string): Promise<{ file?: SlsFile; tried: string[] }>;
  /** A file at a path relative to the root (top.sls), or undefined. */
  getPath(rel: string): Promise<SlsFile | undefined>;
}

/** Salt's name resolution: `a.b` → a/b.sls, then a/b/init.sls. */
export function slsCandidates(sls: string): string[] {
  const base = sls.split('.').join('/');
  return [`${base}.sls`, `${base}/init.sls`];
}

export class LocalSlsSource implements SlsSource {
  readonly root: string;
  private readonly cache = new Map<string, Promise<SlsFile | undefined>>();

  constructor(root: string) {
    this.root = resolve(root);
  }

  async get(sls: string): Promise<{ file?: SlsFile; tried: string[] }> {
    const tried: string[] = [];
    if (sls === '' || sls.split('.').some((p) => p === '' || p === '..') || sls.includes('/')) {
      return { tried: [sls] };
    }
    for (const rel of slsCandidates(sls)) {
      tried.push(join(this.root, rel));
      const f = await this.getPath(rel, sls);
      if (f) return { file: f, tried };
    }
    return { tried };
  }

  getPath(rel: string, sls = rel.replace(/\.sls$/, '')): Promise<SlsFile | undefined> {
    let p = this.cache.get(rel);
    if (!p) {
      const path = join(this.root, rel);
      p = readFile(path, 'utf8').then((text) => ({ sls, path, text }),
        (e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'EISDIR') return undefined;
          throw e;
        });
      this.cache.set(rel, p);
    }
    return p;
  }
}
