import { createHash } from 'node:crypto';
import { manifestHash, sha256File } from '../lib/manifest.js';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

export interface TreeManifest {
  /** sha256 over the sorted (path, fileHash) list. */
  hash: string;
  /** posix path relative to root → sha256 hex of the file's bytes. */
  files: Record<string, string>;
}

export interface FileServerOptions {
  /** Hashes one file (sha256 hex); injectable so tests can count reads. */
  hashFile?: (absPath: string) => Promise<string>;
}

interface CacheEntry { size: number; mtimeMs: number; hash: string }

const SHA256 = /^[0-9a-f]{64}$/;
const HASH_CONCURRENCY = 16;

const inside = (realRoot: string, p: string) => p === realRoot || p.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);

/**
 * The master's file server for the state tree: files are listed and fetched by
 * content hash. Unchanged files (same size and mtime) are not re-read.
 */
export class FileServer {
  private readonly root: string;
  private readonly hashFile: (absPath: string) => Promise<string>;
  private cache = new Map<string, CacheEntry>();
  private current?: { realRoot: string; byHash: Map<string, string[]> };

  constructor(root: string, opts: FileServerOptions = {}) {
    this.root = root;
    this.hashFile = opts.hashFile ?? sha256File;
  }

  private scanning?: Promise<TreeManifest>;

  /** Concurrent callers share one scan, so an older scan never overwrites a newer result. */
  manifest(): Promise<TreeManifest> {
    this.scanning ??= this.scan().finally(() => { this.scanning = undefined; });
    return this.scanning;
  }

  private async scan(): Promise<TreeManifest> {
    const realRoot = await realpath(this.root);
    const found: { rel: string; abs: string; size: number; mtimeMs: number }[] = [];
    await this.walk(realRoot, realRoot, '', [realRoot], found);

    const next = new Map<string, CacheEntry>();
    const stale = found.filter((f) => {
      const old = this.cache.get(f.rel);
      if (old && old.size === f.size && old.mtimeMs === f.mtimeMs) { next.set(f.rel, old); return false; }
      return true;
    });
    await runLimited(stale, HASH_CONCURRENCY, async (f) => {
      next.set(f.rel, { size: f.size, mtimeMs: f.mtimeMs, hash: await this.hashFile(f.abs) });
    });
    this.cache = next;

    const files: Record<string, string> = {};
    const byHash = new Map<string, string[]>();
    for (const rel of [...next.keys()].sort()) {
      const { hash } = next.get(rel)!;
      files[rel] = hash;
      const paths = byHash.get(hash);
      if (paths) paths.push(rel); else byHash.set(hash, [rel]);
    }
    this.current = { realRoot, byHash };
    return { hash: manifestHash(files), files };
  }

  async read(sha256: string): Promise<Buffer | undefined> {
    if (typeof sha256 !== 'string' || !SHA256.test(sha256)) return undefined;
    if (!this.current) await this.manifest();
    const { realRoot, byHash } = this.current!;
    for (const rel of byHash.get(sha256) ?? []) {
      // re-check at read time: the file or a symlink on its path may have changed since the manifest
      let real: string;
      try { real = await realpath(join(realRoot, ...rel.split('/'))); } catch { continue; }
      if (!inside(realRoot, real)) continue;
      let bytes: Buffer;
      try { bytes = await readFile(real); } catch { continue; }
      if (createHash('sha256').update(bytes).digest('hex') === sha256) return bytes;
    }
    return undefined;
  }

  /** `ancestors` (real paths) stops symlink loops; a directory linked from elsewhere in the tree is listed under both paths. */
  private async walk(realRoot: string, dir: string, relDir: string, ancestors: string[],
    out: { rel: string; abs: string; size: number; mtimeMs: number }[]): Promise<void> {
    let entries;
    try { entries = await readdir(dir, { withFileTypes: true }); } catch { return; }
    const subdirs: [string, string][] = [];
    await Promise.all(entries.map(async (e) => {
      if (e.name.startsWith('.')) return;
      const abs = join(dir, e.name);
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      let target = abs;
      if (e.isSymbolicLink()) {
        try { target = await realpath(abs); } catch { return; } // dangling
        if (!inside(realRoot, target)) return;
      } else if (!e.isFile() && !e.isDirectory()) {
        return;
      }
      let st;
      try { st = await stat(target); } catch { return; }
      if (st.isFile()) out.push({ rel, abs: target, size: st.size, mtimeMs: st.mtimeMs });
      else if (st.isDirectory() && !ancestors.includes(target)) subdirs.push([target, rel]);
    }));
    for (const [abs, rel] of subdirs) await this.walk(realRoot, abs, rel, [...ancestors, abs], out);
  }
}

async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => { while (next < items.length) await fn(items[next++]); };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
