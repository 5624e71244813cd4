import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UmecError } from '../../lib/errors.js';
import { writeFileAtomicWith } from '../../lib/fs-atomic.js';
import { VerifiedFiles } from '../../lib/verified-files.js';
import { parseAppYaml } from '../../states/apps/descriptor.js';
import type { AppIndex, AppPackage, AppPackageSource } from '../../states/apps/package.js';
import type { WireRequester } from '../../lib/wire-ops.js';

export interface MasterRequests { request: WireRequester<'app' | 'file'> }

/**
 * App packages from the master's catalog. The descriptor comes with the
 * answer; an image tarball is fetched by hash only when a deployment needs
 * it, and kept in the agent's blob cache (shared with the state tree's), so
 * it never travels twice.
 */
export class MasterAppPackages implements AppPackageSource {
  /** Bytes of package files received from the master, for tests and benchmarks. */
  bytesFetched = 0;
  private readonly inflight = new Map<string, Promise<string>>();

  /**
   * `chunk`: bytes per request (a slow link gets each piece within the request timeout). `verified`
   * checks a cached blob against its hash before each use (shared with the state tree's cache).
   */
  constructor(private readonly channel: () => MasterRequests, private readonly blobDir: string, private readonly timeoutSec = 30,
    private readonly chunk = 1024 * 1024, private readonly verified = new VerifiedFiles()) {}

  async get(name: string, version?: string): Promise<AppPackage> {
    const r = await this.channel().request('app', { name, version }, this.timeoutSec);
    if (!r.body.ok) throw new UmecError('APP_NOT_FOUND', { app: name, version: version ?? '(any version)' });
    const index: AppIndex = r.body.index;
    const origin = `master:apps/${index.name}/${index.version}`;
    const descriptor = parseAppYaml(r.body.app_yaml, `${origin}/app.yaml`);
    return {
      descriptor, origin,
      image: (file) => ({
        kind: 'archive', what: `${origin}/${file}`, id: index.images[file]?.id,
        open: async () => {
          const f = index.files[file];
          if (!f) throw new UmecError('APP_PACKAGE', { file: origin, reason: `image_file ${file} is not in the package` });
          return createReadStream(await this.blob(f.sha256));
        },
      }),
    };
  }

  /**
   * Image tarballs can be large: they come in pieces into a temp file, hashed on
   * the way, synced, and renamed into place only when the whole file checks out.
   */
  private async fetch(hash: string, path: string): Promise<string> {
    await mkdir(this.blobDir, { recursive: true, mode: 0o700 });
    await writeFileAtomicWith(path, async (fh) => {
      const h = createHash('sha256');
      for (let offset = 0, size = Infinity; offset < size;) {
        const f = await this.channel().request('file', { hash, offset, length: this.chunk }, this.timeoutSec);
        if (!f.body.ok || !f.data) throw new UmecError('APP_PACKAGE', { file: hash, reason: 'the master does not have it' });
        size = f.body.size ?? f.data.length;
        if (f.data.length === 0 && offset < size) throw new UmecError('APP_PACKAGE', { file: hash, reason: 'the master sent an empty piece' });
        await fh.write(f.data, 0, f.data.length, offset);
        h.update(f.data);
        offset += f.data.length;
        this.bytesFetched += f.data.length;
      }
      if (h.digest('hex') !== hash) throw new UmecError('APP_PACKAGE', { file: hash, reason: 'failed its hash check' });
    }, { mode: 0o600 });
    return path;
  }

  /**
   * Local path of a blob whose bytes match its hash: a cached copy is checked before use, and one
   * that fails (tampered, damaged) is dropped and fetched again. Concurrent callers share the work.
   */
  private blob(hash: string): Promise<string> {
    let p = this.inflight.get(hash);
    if (!p) {
      p = this.ensure(hash).finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, p);
    }
    return p;
  }

  private async ensure(hash: string): Promise<string> {
    const path = join(this.blobDir, hash);
    const state = await this.verified.check(path, hash);
    if (state === 'ok') return path;
    if (state === 'corrupt') await rm(path, { recursive: true, force: true });
    await this.fetch(hash, path);
    await this.verified.remember(path, hash);
    return path;
  }
}
