import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File, manifestHash } from '../lib/manifest.js';
import type { Manifest } from '../states/tree-cache.js';
import type { StateEngine } from '../states/engine.js';
import { isTreeUrl, treePath } from '../states/file-client.js';
import { LocalSlsSource } from '../states/sls/tree.js';
import type { LowChunk } from '../states/types.js';

export interface ApplySpec {
  stateRoot: string;
  /** SLS names; empty: highstate from top.sls. */
  sls: string[];
  saltenv?: string;
  test: boolean;
  /** Pillar for one box, given its id and grains. */
  pillarFor: (id: string, grains: Record<string, unknown>) => Promise<Record<string, unknown>>;
}

export interface CompiledRun {
  chunks: LowChunk[];
  pillar: Record<string, unknown>;
  opts: Record<string, unknown>;
  /** The umec:// files the run references, by content hash. */
  manifest: Manifest;
  read: (hash: string) => Promise<Buffer>;
}

/** Every umec:// (or salt://) string anywhere in a chunk's arguments. */
function treeUrls(v: unknown, out: Set<string>): void {
  if (typeof v === 'string') { if (isTreeUrl(v)) out.add(v); return; }
  if (Array.isArray(v)) { for (const x of v) treeUrls(x, out); return; }
  if (v && typeof v === 'object') for (const x of Object.values(v)) treeUrls(x, out);
}

/**
 * Renders and compiles on the controller with the box's grains, as salt-ssh
 * does, so only the compiled plan and the files it references travel.
 * Hashes are shared across the hosts of one run.
 */
export class RosterCompiler {
  private readonly hashes = new Map<string, Promise<string | undefined>>();
  private readonly paths = new Map<string, string>();

  constructor(private readonly engine: StateEngine, private readonly spec: ApplySpec) {}

  private hashOf(rel: string): Promise<string | undefined> {
    let h = this.hashes.get(rel);
    if (!h) {
      const abs = join(this.spec.stateRoot, rel);
      h = stat(abs).then((s) => (s.isFile() ? sha256File(abs) : undefined), () => undefined).then((hash) => {
        if (hash) this.paths.set(hash, abs);
        return hash;
      });
      this.hashes.set(rel, h);
    }
    return h;
  }

  /** Throws CompileError for problems in the state tree, as a local apply does. */
  async compile(id: string, grains: Record<string, unknown>): Promise<CompiledRun> {
    const pillar = await this.spec.pillarFor(id, grains);
    const plan = await this.engine.plan({
      source: new LocalSlsSource(this.spec.stateRoot), sls: this.spec.sls, grains, pillar, env: this.spec.saltenv,
    });
    const urls = new Set<string>();
    for (const c of plan.chunks) treeUrls(c.args, urls);
    const files: Record<string, string> = {};
    await Promise.all([...urls].map(async (u) => {
      let rel: string;
      try { rel = treePath(u); } catch { return; } // the state itself reports a bad URL
      const hash = await this.hashOf(rel);
      if (hash) files[rel] = hash;
    }));
    return {
      chunks: plan.chunks, pillar, opts: { saltenv: this.spec.saltenv ?? 'base' },
      manifest: { hash: manifestHash(files), files },
      read: (hash) => {
        const abs = this.paths.get(hash);
        if (!abs) return Promise.reject(new Error(`no file with hash ${hash} in this run`));
        return readFile(abs);
      },
    };
  }
}
