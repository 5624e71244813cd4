import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { isNotFound } from '../../lib/errors.js';

type Record_ = { t: string; k: string; v?: unknown };

/**
 * Durable tables of JSON values: a snapshot plus an append-only journal.
 * Every change is one journal line; changes that arrive while a write is in
 * flight share the next write and fsync (group commit), so many concurrent
 * requests cost one disk flush. On open the journal is replayed onto the
 * snapshot (a torn last line, from a crash mid-append, was never acknowledged
 * and is dropped) and folded into a new snapshot.
 */
export class Journal {
  private readonly tables = new Map<string, Map<string, unknown>>();
  private fh?: FileHandle;
  private pending: string[] = [];
  private waiters: Array<{ res: () => void; rej: (e: unknown) => void }> = [];
  private flushing?: Promise<void>;
  private lines = 0;

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<Journal> {
    const j = new Journal(dir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await j.load();
    await j.compact();
    return j;
  }

  private get snapshotFile(): string { return join(this.dir, 'state.json'); }
  private get journalFile(): string { return join(this.dir, 'journal.jsonl'); }

  private async load(): Promise<void> {
    let snap: Record<string, Record<string, unknown>> = {};
    try {
      snap = JSON.parse(await readFile(this.snapshotFile, 'utf8')) as typeof snap;
    } catch (e) {
      if (!isNotFound(e)) throw new Error(`${this.snapshotFile}: ${(e as Error).message} (the Mp1 registry is damaged; not starting rather than losing it)`, { cause: e });
    }
    for (const [t, rows] of Object.entries(snap)) this.tables.set(t, new Map(Object.entries(rows)));
    let text = '';
    try { text = await readFile(this.journalFile, 'utf8'); } catch (e) { if (!isNotFound(e)) throw e; }
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (!line) return;
      let r: Record_;
      try { r = JSON.parse(line) as Record_; } catch (e) {
        if (i >= lines.length - 2) return; // torn tail of an unacknowledged write
        throw new Error(`${this.journalFile}:${i + 1}: ${(e as Error).message}`, { cause: e });
      }
      this.apply(r);
    });
  }

  private apply(r: Record_): void {
    const t = this.table(r.t);
    if (r.v === undefined) t.delete(r.k); else t.set(r.k, r.v);
  }

  table<T = unknown>(name: string): Map<string, T> {
    let t = this.tables.get(name);
    if (!t) { t = new Map(); this.tables.set(name, t); }
    return t as Map<string, T>;
  }

  /** Sets (value) or deletes (undefined) a row now; resolves once the change is on disk. */
  write(table: string, key: string, value: unknown): Promise<void> {
    const r: Record_ = value === undefined ? { t: table, k: key } : { t: table, k: key, v: value };
    this.apply(r);
    this.pending.push(`${JSON.stringify(r)}\n`);
    const done = new Promise<void>((res, rej) => this.waiters.push({ res, rej }));
    this.flushing ??= this.flush();
    return done;
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length) {
        const batch = this.pending.join('');
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        try {
          this.fh ??= await open(this.journalFile, 'a', 0o600);
          await this.fh.write(batch);
          await this.fh.datasync();
          this.lines += waiters.length;
          for (const w of waiters) w.res();
        } catch (e) {
          for (const w of waiters) w.rej(e);
        }
      }
      if (this.lines > 20_000) await this.compact();
    } finally {
      this.flushing = undefined;
      if (this.pending.length) this.flushing = this.flush();
    }
  }

  /** Folds the journal into a new snapshot and starts an empty journal. */
  async compact(): Promise<void> {
    const snap: Record<string, Record<string, unknown>> = {};
    for (const [t, rows] of this.tables) snap[t] = Object.fromEntries(rows);
    await writeFileAtomic(this.snapshotFile, JSON.stringify(snap), { mode: 0o600 });
    await this.fh?.close();
    this.fh = undefined;
    // the snapshot holds everything the journal did: an empty journal replaces it atomically
    await writeFileAtomic(this.journalFile, '', { mode: 0o600 });
    this.lines = 0;
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.fh?.close();
    this.fh = undefined;
  }
}
