import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AppendLog } from '../../lib/append-log.js';
import { JsonStore } from '../../lib/json-store.js';
import { UmecError } from '../../lib/errors.js';

type Change = { t: string; k: string; v?: unknown };
type Snapshot = Record<string, Record<string, unknown>>;

/** Changes logged since the last snapshot beyond which the log is folded into a new one. */
const COMPACT_AFTER = 20_000;

export interface RegistryTablesOptions {
  /** Changes after which the log is folded into a new snapshot (default 20,000). */
  compactAfter?: number;
  /**
   * Told when a compaction started by a write fails (the write itself succeeded:
   * the log still holds every change, and the next compaction tries again).
   */
  onCompactError?: (e: unknown) => void;
}

/** The log line of a change; a value JSON cannot write (too deep, a BigInt, a cycle) is the caller's error. */
function serialise(c: Change): string {
  try {
    return `${JSON.stringify(c)}\n`;
  } catch (e) {
    throw new UmecError('USAGE', { reason: `${c.t} ${c.k}: the value cannot be stored (${(e as Error).message})` });
  }
}

/**
 * The Mp1 registry: durable tables of JSON values, a snapshot (state.json)
 * plus an append log of changes (journal.jsonl, lib/append-log: group commit,
 * so many concurrent requests cost one disk flush). On open the log is
 * replayed onto the snapshot (a torn last line, from a crash mid-append, was
 * never acknowledged and is dropped) and folded into a new snapshot.
 */
export class RegistryTables {
  private readonly tables = new Map<string, Map<string, unknown>>();
  private log!: Promise<AppendLog>;
  private changes = 0;
  private compacting = false;
  private readonly snapshot: JsonStore<Snapshot>;

  private constructor(private readonly dir: string, private readonly o: RegistryTablesOptions) {
    // a damaged registry stops the start rather than losing every service and subscription
    this.snapshot = new JsonStore<Snapshot>(join(dir, 'state.json'), { what: 'Mp1 registry', indent: 0, hint: 'not starting rather than losing it' });
  }

  static async open(dir: string, o: RegistryTablesOptions = {}): Promise<RegistryTables> {
    const r = new RegistryTables(dir, o);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const log = await r.load();
    r.log = Promise.resolve(log);
    await r.compact();
    return r;
  }

  private get logFile(): string { return join(this.dir, 'journal.jsonl'); }

  private async load(): Promise<AppendLog> {
    for (const [t, rows] of Object.entries((await this.snapshot.read()) ?? {})) this.tables.set(t, new Map(Object.entries(rows)));
    const { log, lines } = await AppendLog.open(this.logFile);
    lines.forEach((line, i) => {
      if (!line) return;
      let c: Change;
      try { c = JSON.parse(line) as Change; } catch (e) {
        if (i === lines.length - 1) return; // a garbled last line is the tail of an unacknowledged write
        void log.close();
        throw new UmecError('CONFIG', { file: `${this.logFile}:${i + 1}`, reason: `${(e as Error).message} (the Mp1 registry is damaged; not starting rather than losing it)` });
      }
      this.apply(c);
    });
    return log;
  }

  private apply(c: Change): void {
    const t = this.table(c.t);
    if (c.v === undefined) t.delete(c.k); else t.set(c.k, c.v);
  }

  table<T = unknown>(name: string): Map<string, T> {
    let t = this.tables.get(name);
    if (!t) { t = new Map(); this.tables.set(name, t); }
    return t as Map<string, T>;
  }

  /**
   * Sets (value) or deletes (undefined) a row now; resolves once the change is on
   * disk. The change is serialised before the table is touched: a value that
   * cannot be written throws (synchronously, a USAGE UmecError) and changes nothing,
   * so the table never holds what the log and the snapshot could not.
   */
  write(table: string, key: string, value: unknown): Promise<void> {
    const c: Change = value === undefined ? { t: table, k: key } : { t: table, k: key, v: value };
    const line = serialise(c);
    this.apply(c);
    return this.commit(line);
  }

  private async commit(line: string): Promise<void> {
    let log = await this.log;
    if (log.failed) {
      // a failed commit may have left part of a line: reopening cuts it
      const failed = log;
      if ((await this.log) === failed) this.log = AppendLog.open(this.logFile).then((o) => o.log);
      log = await this.log;
    }
    await log.append(line);
    if (++this.changes >= (this.o.compactAfter ?? COMPACT_AFTER) && !this.compacting) {
      this.compacting = true;
      // the change is on disk already: a failed compaction is reported, never the write's failure
      this.compact().catch((e: unknown) => {
        this.changes = 0; // try again after as many changes, not on every write
        this.o.onCompactError?.(e);
      }).finally(() => { this.compacting = false; });
    }
  }

  /** Folds the log into a new snapshot and empties it, with no change in flight meanwhile. */
  async compact(): Promise<void> {
    const log = await this.log;
    await log.exclusive(async (truncate) => {
      const snap: Snapshot = {};
      for (const [t, rows] of this.tables) snap[t] = Object.fromEntries(rows);
      await this.snapshot.write(snap);
      // the snapshot holds everything the log did
      await truncate();
      this.changes = 0;
    });
  }

  async close(): Promise<void> {
    await (await this.log).close();
  }
}
