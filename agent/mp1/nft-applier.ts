import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { unlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { appTableName, renderAppTables, renderNftRuleset, rulesByApp, TABLE_PREFIX, type TrafficRule } from './traffic.js';

const run = promisify(execFile);

export interface NftResult {
  loaded: boolean;
  /** What nft said about the whole ruleset, when it refused it. */
  error?: string;
  /** Apps whose own tables nft refused (the others' were loaded). */
  failed?: Array<{ app: string; error: string }>;
}

type Rules = Array<{ appInstanceId: string; rule: TrafficRule }>;

/**
 * Makes traffic rules take effect with nftables. `apply` writes the complete ruleset file and
 * loads it in one transaction; when nft refuses it, each app's tables are loaded on their own,
 * so one app's broken rules cost only that app. `check` has nft dry-run (-c) one app's tables
 * before a change is stored. Mode 'check' (tests) only ever dry-runs; 'off' writes the file only.
 */
export class NftApplier {
  constructor(private readonly o: { file: string; mode: 'apply' | 'check' | 'off'; nft?: string }) {}

  private async nft(args: string[]): Promise<{ stdout: string; error?: string; missing?: boolean }> {
    try {
      const { stdout } = await run(this.o.nft ?? 'nft', args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
      return { stdout };
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      if (err.code === 'ENOENT') return { stdout: '', missing: true };
      return { stdout: '', error: (err.stderr || err.message).trim().slice(0, 2000) };
    }
  }

  private async load(file: string): Promise<{ error?: string; missing?: boolean }> {
    return this.nft([...(this.o.mode === 'check' ? ['-c'] : []), '-f', file]);
  }

  /** Tables of ours in the kernel that the new ruleset no longer has (apps removed). */
  private async stale(keep: Set<string>): Promise<string[]> {
    if (this.o.mode !== 'apply') return [];
    const r = await this.nft(['-j', 'list', 'tables']);
    if (r.error || r.missing) return [];
    try {
      const items = (JSON.parse(r.stdout) as { nftables?: Array<{ table?: { name?: unknown } }> }).nftables ?? [];
      const names = items.map((x) => x.table?.name).filter((n): n is string => typeof n === 'string' && n.startsWith(`${TABLE_PREFIX}_`));
      return [...new Set(names)].filter((n) => !keep.has(n));
    } catch { return []; }
  }

  /** Dry-runs one app's tables (renderAppTables); the error nft gives, or undefined when it takes them or there is no nft. */
  async check(app: string, rules: TrafficRule[]): Promise<string | undefined> {
    if (this.o.mode === 'off') return undefined;
    const file = `${this.o.file}.check-${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(file, renderAppTables(app, rules), { mode: 0o600 });
      const r = await this.nft(['-c', '-f', file]);
      return r.error;
    } finally {
      await unlink(file).catch(() => undefined);
    }
  }

  async apply(rules: Rules): Promise<NftResult> {
    const byApp = rulesByApp(rules);
    const gone = await this.stale(new Set([...byApp.keys()].map(appTableName)));
    await writeFileAtomic(this.o.file, renderNftRuleset(rules, gone), { mode: 0o644 });
    if (this.o.mode === 'off') return { loaded: false };
    const whole = await this.load(this.o.file);
    if (whole.missing) return { loaded: false };
    if (!whole.error) return { loaded: this.o.mode === 'apply' };
    // one transaction failed: load what can be loaded, app by app
    const failed: Array<{ app: string; error: string }> = [];
    const part = `${this.o.file}.part`;
    try {
      await writeFileAtomic(part, renderNftRuleset([], gone), { mode: 0o644 });
      await this.load(part);
      for (const [app, rs] of byApp) {
        await writeFileAtomic(part, renderAppTables(app, rs), { mode: 0o644 });
        const r = await this.load(part);
        if (r.error) failed.push({ app, error: r.error });
      }
    } finally {
      await unlink(part).catch(() => undefined);
    }
    return { loaded: this.o.mode === 'apply' && failed.length < byApp.size, error: whole.error, failed };
  }
}
