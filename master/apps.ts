import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat, copyFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { extract } from 'tar';
import { fsyncDir, writeFileAtomic } from '../lib/fs-atomic.js';
import { UmecError } from '../lib/errors.js';
import { parseAppYaml, type AppDescriptor } from '../states/apps/descriptor.js';
import type { AppIndex } from '../states/apps/package.js';
import { readArchiveManifest } from '../states/containers/images.js';
import { manifestHash, sha256File } from '../lib/manifest.js';
import { VerifiedFiles, type CorruptFile } from '../lib/verified-files.js';

const INDEX = '.umec-index.json';

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

/** Regular files under dir (posix relative paths); links and devices are refused, not followed. */
async function listFiles(dir: string, origin: string): Promise<{ files: string[]; dirs: string[] }> {
  const files: string[] = [];
  const dirs: string[] = [dir];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) { dirs.push(abs); await walk(abs); } else if (e.isFile()) files.push(relative(dir, abs).split(sep).join('/'));
      else throw new UmecError('APP_PACKAGE', { file: `${origin}/${relative(dir, abs)}`, reason: 'only regular files and directories may be in a package' });
    }
  };
  await walk(dir);
  return { files: files.sort(), dirs };
}

/**
 * On-boarded app packages under the master's data_dir: apps/<name>/<version>/
 * with the package files and an index (hashes, image ids). A version is
 * immutable once stored; a package lands whole (temp dir, fsync, rename) or not at all.
 */
export class AppStore {
  private readonly byVersion = new Map<string, AppIndex>();
  private readonly byHash = new Map<string, string>();

  private readonly verified: VerifiedFiles;

  private constructor(private readonly dir: string, onCorrupt?: (f: CorruptFile) => void) {
    this.verified = new VerifiedFiles(onCorrupt);
  }

  /** `onCorrupt`: told of a stored file whose bytes no longer match its hash (it is then not served). */
  static async open(dir: string, onCorrupt?: (f: CorruptFile) => void): Promise<AppStore> {
    const s = new AppStore(dir, onCorrupt);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.tmp-')) { await rm(join(dir, e.name), { recursive: true, force: true }); continue; }
      if (!e.isDirectory()) continue;
      for (const v of await readdir(join(dir, e.name))) {
        try { s.add(JSON.parse(await readFile(join(dir, e.name, v, INDEX), 'utf8')) as AppIndex); } catch { /* not a complete package */ }
      }
    }
    return s;
  }

  private add(ix: AppIndex): void {
    this.byVersion.set(`${ix.name}\0${ix.version}`, ix);
    for (const [path, f] of Object.entries(ix.files)) this.byHash.set(f.sha256, join(this.dir, ix.name, ix.version, ...path.split('/')));
  }

  list(): AppIndex[] {
    return [...this.byVersion.values()].sort((a, b) => a.name.localeCompare(b.name) || a.onboarded.localeCompare(b.onboarded));
  }

  /** Without a version: the one on-boarded last. */
  get(name: string, version?: string): AppIndex | undefined {
    if (version !== undefined) return this.byVersion.get(`${name}\0${version}`);
    return this.list().filter((a) => a.name === name).pop();
  }

  async appYaml(ix: AppIndex): Promise<string> {
    return readFile(join(this.dir, ix.name, ix.version, 'app.yaml'), 'utf8');
  }

  /** Part of a package file by content hash, and its whole size: image tarballs travel in pieces. */
  async readRange(sha256: string, offset: number, length: number): Promise<{ data: Buffer; size: number } | undefined> {
    const p = this.byHash.get(sha256);
    if (!p) return undefined;
    // checked as a whole when a transfer starts; the agent checks the assembled file again
    if (offset === 0 && (await this.verified.check(p, sha256)) !== 'ok') return undefined;
    let fh;
    try { fh = await open(p, 'r'); } catch { return undefined; }
    try {
      const size = (await fh.stat()).size;
      const n = Math.max(0, Math.min(length, size - offset));
      const data = Buffer.alloc(n);
      if (n > 0) await fh.read(data, 0, n, offset);
      return { data, size };
    } finally { await fh.close(); }
  }

  /** A package file by content hash (for the file server). */
  async read(sha256: string): Promise<Buffer | undefined> {
    const p = this.byHash.get(sha256);
    if (!p || (await this.verified.check(p, sha256)) !== 'ok') return undefined;
    return readFile(p).catch(() => undefined);
  }

  /** Validates a package (directory or tar[.gz]) and stores it. Same name, version and content again: nothing to do. */
  /** `check`: refuses a descriptor (the package policy) by throwing, before anything is stored. */
  async onboard(pkgPath: string, check?: (d: AppDescriptor, file: string) => void): Promise<{ status: 'onboarded' | 'unchanged'; app: AppIndex }> {
    let st;
    try { st = await stat(pkgPath); } catch (e) { throw new UmecError('APP_PACKAGE', { file: pkgPath, reason: `cannot read: ${(e as Error).message}` }); }
    const tmp = join(this.dir, `.tmp-${randomBytes(6).toString('hex')}`);
    await mkdir(tmp, { mode: 0o700 });
    try {
      const root = await this.unpack(pkgPath, st.isDirectory(), tmp);
      const origin = st.isDirectory() ? pkgPath : `${pkgPath}:`;
      const { files, dirs } = await listFiles(root, pkgPath);
      if (!files.includes('app.yaml')) throw new UmecError('APP_PACKAGE', { file: pkgPath, reason: 'no app.yaml at the top of the package' });
      const yamlName = st.isDirectory() ? join(pkgPath, 'app.yaml') : `${origin}app.yaml`;
      const d = parseAppYaml(await readFile(join(root, 'app.yaml'), 'utf8'), yamlName);
      check?.(d, yamlName);
      const images = await this.checkImages(d, root, files, yamlName);
      const index: AppIndex = { name: d.name, version: d.version, description: d.description, digest: '', onboarded: new Date().toISOString(),
        containers: d.containers.map((c) => c.name), files: {}, images };
      for (const f of files) {
        const abs = join(root, ...f.split('/'));
        index.files[f] = { sha256: await sha256File(abs), size: (await lstat(abs)).size };
      }
      index.digest = manifestHash(Object.fromEntries(Object.entries(index.files).map(([p, f]) => [p, f.sha256])));
      const have = this.byVersion.get(`${d.name}\0${d.version}`);
      if (have) {
        if (have.digest === index.digest) return { status: 'unchanged', app: have };
        throw new UmecError('APP_EXISTS', { app: d.name, version: d.version });
      }
      for (const f of files) await fsyncFile(join(root, ...f.split('/')));
      await writeFileAtomic(join(root, INDEX), JSON.stringify(index, null, 2), { mode: 0o600 });
      for (const dd of dirs) await fsyncDir(dd);
      await mkdir(join(this.dir, d.name), { recursive: true, mode: 0o700 });
      await rename(root, join(this.dir, d.name, d.version));
      await fsyncDir(join(this.dir, d.name));
      this.add(index);
      return { status: 'onboarded', app: index };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** Copies or extracts the package into tmp; returns the directory holding app.yaml. */
  private async unpack(pkgPath: string, isDir: boolean, tmp: string): Promise<string> {
    const root = join(tmp, 'pkg');
    await mkdir(root);
    if (isDir) {
      const { files } = await listFiles(pkgPath, pkgPath);
      for (const f of files) {
        await mkdir(join(root, ...f.split('/').slice(0, -1)), { recursive: true });
        await copyFile(join(pkgPath, ...f.split('/')), join(root, ...f.split('/')));
      }
      return root;
    }
    try {
      // links and devices are not extracted; tar refuses paths that climb out of root
      await extract({ file: pkgPath, cwd: root, strict: true, filter: (_p, e) => ['File', 'OldFile', 'Directory'].includes((e as { type?: string }).type ?? 'File') });
    } catch (e) {
      throw new UmecError('APP_PACKAGE', { file: pkgPath, reason: `not a readable package tar: ${(e as Error).message}` });
    }
    const top = await readdir(root);
    if (!top.includes('app.yaml') && top.length === 1 && (await stat(join(root, top[0]))).isDirectory()) return join(root, top[0]);
    return root;
  }

  private async checkImages(d: AppDescriptor, root: string, files: string[], yamlName: string): Promise<AppIndex['images']> {
    const images: AppIndex['images'] = {};
    for (const [i, c] of d.containers.entries()) {
      if (!c.image_file || images[c.image_file]) continue;
      if (!files.includes(c.image_file)) {
        throw new UmecError('APP_PACKAGE', { file: yamlName, reason: `containers.${i}.image_file: ${c.image_file} is not in the package` });
      }
      images[c.image_file] = await readArchiveManifest(createReadStream(join(root, ...c.image_file.split('/'))), `${basename(yamlName.replace(/app\.yaml$/, ''))}${c.image_file}`);
    }
    return images;
  }
}
