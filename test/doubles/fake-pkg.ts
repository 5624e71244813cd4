import type { PkgDriver, PkgSpec } from '../../states/types.js';

export type FakePkgCall =
  | { op: 'installed'; names: string[] }
  | { op: 'candidates'; names: string[]; refresh: boolean }
  | { op: 'install'; pkgs: PkgSpec[]; refresh: boolean }
  | { op: 'remove'; names: string[]; purge: boolean };

/**
 * An in-memory package manager: `installed` and `candidates` maps (name -> version).
 * install() installs the asked version (or the candidate), failing like apt for
 * names without a candidate; every call is recorded in `calls`.
 */
export class FakePkgDriver implements PkgDriver {
  readonly installedPkgs: Map<string, string>;
  readonly candidatePkgs: Map<string, string>;
  readonly calls: FakePkgCall[] = [];
  /** When set, install()/remove() throw this message. */
  failWith?: string;
  /** When set, install()/remove() report success but change nothing. */
  silentlyIgnore = false;
  /** When set, installed() queries throw this message. */
  queryFailsWith?: string;

  constructor(o: { installed?: Record<string, string>; candidates?: Record<string, string> } = {}) {
    this.installedPkgs = new Map(Object.entries(o.installed ?? {}));
    this.candidatePkgs = new Map(Object.entries(o.candidates ?? {}));
  }

  /** Calls that would change the system (install/remove, or candidates with refresh). */
  get mutations(): FakePkgCall[] {
    return this.calls.filter((c) => c.op === 'install' || c.op === 'remove' || (c.op === 'candidates' && c.refresh));
  }

  async installed(names: string[]): Promise<Map<string, string>> {
    this.calls.push({ op: 'installed', names: [...names] });
    if (this.queryFailsWith) throw new Error(this.queryFailsWith);
    const out = new Map<string, string>();
    for (const n of names) { const v = this.installedPkgs.get(n); if (v !== undefined) out.set(n, v); }
    return out;
  }

  async candidates(names: string[], refresh: boolean): Promise<Map<string, string>> {
    this.calls.push({ op: 'candidates', names: [...names], refresh });
    const out = new Map<string, string>();
    for (const n of names) { const v = this.candidatePkgs.get(n); if (v !== undefined) out.set(n, v); }
    return out;
  }

  async install(pkgs: PkgSpec[], opts: { refresh: boolean }): Promise<void> {
    this.calls.push({ op: 'install', pkgs: pkgs.map((p) => ({ ...p })), refresh: opts.refresh });
    if (this.failWith) throw new Error(this.failWith);
    for (const p of pkgs) {
      if (!this.candidatePkgs.has(p.name)) throw new Error(`E: Unable to locate package ${p.name}`);
    }
    if (this.silentlyIgnore) return;
    for (const p of pkgs) this.installedPkgs.set(p.name, p.version ?? this.candidatePkgs.get(p.name)!);
  }

  async remove(names: string[], opts: { purge: boolean }): Promise<void> {
    this.calls.push({ op: 'remove', names: [...names], purge: opts.purge });
    if (this.failWith) throw new Error(this.failWith);
    if (this.silentlyIgnore) return;
    for (const n of names) this.installedPkgs.delete(n);
  }
}
