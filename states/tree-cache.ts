import { createHash } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { link, lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir, writeFileAtomic } from '../lib/fs-atomic.js';
import { assertPrivateEntry, privateProblem } from '../lib/private-path.js';
import type { CorruptFile } from '../lib/verified-files.js';
import type { WireRequester } from '../lib/wire-ops.js';
/** Where trees come from: the agent's channel to its master (agent/channel.ts MasterChannel). */
export interface TreeSource { request: WireRequester<'manifest' | 'file'> }

export interface Manifest { hash: string; files: Record<string, string> }

const SAFE_PATH = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\0]+$/;

/**
 * The state tree from the master's file server, cached by content hash:
 * files live once under files/<sha256>; each tree version is a directory of
 * hard links under trees/<manifest hash>. A repeated apply asks only whether
 * the manifest changed and transfers nothing else.
 */
export class TreeCache {
  private last?: Manifest;
  /** Bytes received from the master, for tests and benchmarks. */
  bytesFetched = 0;

  /**
   * `owners`: the uids besides root that may own what is in the cache (default: this
   * process's). A directory another local user could have prepared (a thin_dir under
   * /var/tmp) is refused; blobs and trees are re-hashed before use, never trusted by name.
   */
  constructor(private readonly dir: string, private readonly o: { owners?: readonly number[]; onCorrupt?: (f: CorruptFile) => void } = {}) {}

  private get owners(): readonly number[] {
    return this.o.owners ?? [process.getuid?.() ?? 0];
  }

  /** The sha256 of a private regular file, read without following a symlink; undefined when absent or not private. */
  private async hashOf(path: string): Promise<string | undefined> {
    let fh;
    try {
      fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return undefined;
    }
    try {
      if (privateProblem(await fh.stat(), this.owners, 'file')) return undefined;
      return createHash('sha256').update(await fh.readFile()).digest('hex');
    } finally {
      await fh.close();
    }
  }

  /** True when every file of the manifest is in the tree with its content, through private directories. */
  private async treeIntact(treeDir: string, m: Manifest): Promise<boolean> {
    if (!existsSync(join(treeDir, '.complete'))) return false;
    const dirsOk = new Map<string, boolean>();
    const dirOk = async (d: string): Promise<boolean> => {
      if (!dirsOk.has(d)) dirsOk.set(d, await lstat(d).then((st) => !privateProblem(st, this.owners, 'directory'), () => false));
      return dirsOk.get(d)!;
    };
    for (const [path, h] of Object.entries(m.files)) {
      if (!SAFE_PATH.test(path)) return false;
      for (let d = dirname(join(treeDir, path)); d.startsWith(treeDir); d = dirname(d)) if (!(await dirOk(d))) return false;
      if ((await this.hashOf(join(treeDir, path))) !== h) return false;
    }
    return true;
  }

  async sync(ch: TreeSource, timeoutSec = 30): Promise<string> {
    const r = await ch.request('manifest', { have: this.last?.hash }, timeoutSec);
    const m = 'files' in r.body ? r.body : this.last?.hash === r.body.hash ? this.last : undefined;
    if (!m) throw new Error(`the master said tree ${r.body.hash} is unchanged, but this cache does not have it`);
    return this.materialize(m, async (missing, put) => {
      await Promise.all(missing.map(async (h) => {
        const f = await ch.request('file', { hash: h }, timeoutSec * 2);
        if (!f.data) throw new Error(`the master sent no data for file ${h}`);
        await put(h, f.data);
      }));
    });
  }

  /**
   * The tree directory for a manifest: blobs this cache lacks are asked of
   * `fetchMissing` (which hands each one to `put`, hash-checked there), then
   * the tree is linked together and marked complete.
   */
  async materialize(m: Manifest, fetchMissing: (hashes: string[], put: (hash: string, data: Buffer) => Promise<void>) => Promise<void>): Promise<string> {
    if (!/^[0-9a-f]{64}$/.test(m.hash)) throw new Error(`bad manifest hash: ${m.hash}`);
    const treesDir = join(this.dir, 'trees');
    const filesDir = join(this.dir, 'files');
    await mkdir(filesDir, { recursive: true, mode: 0o700 });
    await mkdir(treesDir, { recursive: true, mode: 0o700 });
    // what another local user prepared is refused, never written into or read from
    for (const d of [this.dir, filesDir, treesDir]) await assertPrivateEntry(d, this.owners, 'directory');
    const treeDir = join(treesDir, m.hash);
    if (await this.treeIntact(treeDir, m)) { this.last = m; return treeDir; }
    const hashes = [...new Set(Object.values(m.files))];
    const bad = hashes.find((h) => !/^[0-9a-f]{64}$/.test(h));
    if (bad !== undefined) throw new Error(`bad file hash in manifest: ${bad}`);
    const missing: string[] = [];
    for (const h of hashes) {
      const actual = await this.hashOf(join(filesDir, h));
      if (actual === h) continue;
      // a blob whose bytes are not its name was changed after it was stored: say so, then fetch it again
      if (actual !== undefined) this.o.onCorrupt?.({ path: join(filesDir, h), expected: h, actual });
      missing.push(h);
    }
    if (missing.length) {
      const wanted = new Set(missing);
      await fetchMissing(missing, async (h, data) => {
        if (!wanted.has(h) || createHash('sha256').update(data).digest('hex') !== h) throw new Error(`file ${h} failed its hash check`);
        this.bytesFetched += data.length;
        await writeFileAtomic(join(filesDir, h), data, { mode: 0o600 });
      });
    }
    const tmp = `${treeDir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    const dirs = new Set<string>([tmp]);
    for (const [path, h] of Object.entries(m.files)) {
      if (!SAFE_PATH.test(path)) throw new Error(`unsafe path in manifest: ${path}`);
      await mkdir(dirname(join(tmp, path)), { recursive: true, mode: 0o755 });
      await link(join(filesDir, h), join(tmp, path));
      for (let d = dirname(join(tmp, path)); d.startsWith(tmp); d = dirname(d)) dirs.add(d);
    }
    await mkdir(tmp, { recursive: true, mode: 0o755 });
    // every link on disk before the tree is marked complete, so a crash never leaves a "complete" partial tree
    for (const d of dirs) await fsyncDir(d);
    await writeFileAtomic(join(tmp, '.complete'), m.hash);
    await rm(treeDir, { recursive: true, force: true });
    try {
      await rename(tmp, treeDir);
    } catch (e) {
      // another process sharing this cache (two roster hosts with one thin_dir on one box)
      // completed the same tree first: its copy is as good as ours
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(join(treeDir, '.complete'))) throw e;
      await rm(tmp, { recursive: true, force: true });
    }
    await this.prune(m.hash);
    this.last = m;
    return treeDir;
  }

  /** Keeps the newest trees only; file blobs stay (they are shared and small). */
  private async prune(keep: string): Promise<void> {
    const trees = join(this.dir, 'trees');
    for (const d of await readdir(trees)) {
      if (d !== keep && !d.includes('.tmp-')) await rm(join(trees, d), { recursive: true, force: true });
    }
  }
}
