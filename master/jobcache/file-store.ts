import { closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { mkdir, open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AppendLog, completeLines } from '../../lib/append-log.js';
import { fsyncDir, writeFileAtomic } from '../../lib/fs-atomic.js';
import { isJid, jidAt, type JobRecord, type JobStore, type JobSummary, type ReturnRecord } from './store.js';
import { isNotFound, UmecError } from '../../lib/errors.js';

const ID = /^[A-Za-z0-9._-]{1,253}$/;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
const PARALLEL = 32;
/** Append-only log of a job's returns: one JSON object per line. */
const LOG_NAME = 'returns.jsonl';
const NL = 0x0a;
const DEFAULT_IDLE_CLOSE_MS = 30_000;
const COUNT_CACHE_MAX = 20_000;
const READ_CHUNK = 64 * 1024;

export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id) && id !== '.' && id !== '..';
}

async function readIfExists(path: string): Promise<string | undefined> {
  try { return await readFile(path, 'utf8'); } catch (e) { if (isNotFound(e)) return undefined; throw e; }
}

async function readBytesIfExists(path: string): Promise<Buffer | undefined> {
  try { return await readFile(path); } catch (e) { if (isNotFound(e)) return undefined; throw e; }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
  } catch { return undefined; }
}

function parseJob(text: string, jid: string): JobRecord | undefined {
  const v = parseJson(text);
  const ok = v && v.jid === jid && typeof v.fun === 'string' && Array.isArray(v.targets)
    && v.target !== null && typeof v.target === 'object' && typeof v.startedAt === 'string';
  return ok ? v as unknown as JobRecord : undefined;
}

function parseReturn(text: string, jid: string): ReturnRecord | undefined {
  const v = parseJson(text);
  return v && v.jid === jid && isValidId(v.id) ? v as unknown as ReturnRecord : undefined;
}

/**
 * The returns in a log's complete lines (lib/append-log drops a torn last
 * line). A line that does not parse as a return of this job is ignored, and
 * so are later lines for an id already seen.
 */
function parseLog(lines: string[], jid: string): ReturnRecord[] {
  const out: ReturnRecord[] = [];
  const seen = new Set<string>();
  for (const line of lines) {
    if (line === '') continue;
    const r = parseReturn(line, jid);
    if (r && !seen.has(r.id)) { seen.add(r.id); out.push(r); }
  }
  return out;
}

function sinceJid(since: string | undefined): string | undefined {
  if (since === undefined || isJid(since)) return since;
  const ms = Date.parse(since);
  if (Number.isNaN(ms)) throw new UmecError('USAGE', { reason: `since must be a jid or an ISO date, got ${JSON.stringify(since)}` });
  return jidAt(new Date(ms));
}

export interface FileJobStoreOptions {
  /** Close a job's log handle after this long without activity (default 30 s). */
  idleCloseMs?: number;
  /** Called right before every fsync/fdatasync the return path issues (log file or directory); for tests and metrics. */
  onSync?: (path: string) => void;
}

/** Per-job writer state: the open append log (group commit) and the ids stored. */
interface JobLog {
  readonly jid: string;
  readonly path: string;
  /** Resolves once the log is open and the ids below are loaded. */
  ready: Promise<void>;
  log?: AppendLog;
  /** Ids whose line is durable in the log. */
  readonly ids: Set<string>;
  /** Ids queued or being written, with the promise of their commit. */
  readonly pending: Map<string, Promise<void>>;
  /** Set once this state is dropped (idle, write failure, close); users must get a fresh one. */
  dead: boolean;
  timer?: NodeJS.Timeout;
}

export class FileJobStore implements JobStore {
  readonly dir: string;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly logs = new Map<string, JobLog>();
  /** listJobs newline counts per log: bytes counted so far (up to just after the last newline) and the inode. */
  private readonly counts = new Map<string, { ino: number; bytes: number; count: number }>();
  private readonly idleCloseMs: number;
  private readonly onSync: ((path: string) => void) | undefined;
  private closed = false;

  constructor(dir: string, opts: FileJobStoreOptions = {}) {
    this.dir = resolve(dir);
    this.idleCloseMs = opts.idleCloseMs ?? DEFAULT_IDLE_CLOSE_MS;
    this.onSync = opts.onSync;
    const first = mkdirSync(this.dir, { recursive: true, mode: DIR_MODE });
    if (first !== undefined) {
      for (let p = this.dir; ; p = dirname(p)) {
        const fd = openSync(dirname(p), 'r');
        try { fsyncSync(fd); } finally { closeSync(fd); }
        if (p === first || dirname(p) === p) break;
      }
    }
  }

  saveJob(job: JobRecord): Promise<void> {
    return this.track(async () => {
      if (!isJid(job.jid)) throw new UmecError('INTERNAL', { reason: `invalid jid ${JSON.stringify(job.jid)}` });
      const jobDir = join(this.dir, job.jid);
      await this.ensureDir(jobDir);
      await writeFileAtomic(join(jobDir, 'job.json'), JSON.stringify(job), { mode: FILE_MODE });
    });
  }

  saveReturn(r: ReturnRecord): Promise<boolean> {
    return this.track(async () => {
      if (!isJid(r.jid)) throw new UmecError('INTERNAL', { reason: `invalid jid ${JSON.stringify(r.jid)}` });
      if (!isValidId(r.id)) throw new UmecError('INTERNAL', { reason: `invalid agent id ${JSON.stringify(r.id)}` });
      const line = `${JSON.stringify(r)}\n`;
      for (;;) {
        const log = this.logFor(r.jid);
        await log.ready;
        if (log.dead) continue;
        if (log.ids.has(r.id)) return false;
        const inflight = log.pending.get(r.id);
        if (inflight) {
          // Same id being written right now: a duplicate if that write commits, else try again.
          if (await inflight.then(() => true, () => false)) return false;
          continue;
        }
        const commit = this.enqueue(log, r.id, line);
        log.pending.set(r.id, commit);
        await commit;
        return true;
      }
    });
  }

  async getJob(jid: string): Promise<{ job: JobRecord; returns: ReturnRecord[] } | undefined> {
    if (!isJid(jid)) return undefined;
    const jobFile = join(this.dir, jid, 'job.json');
    const text = await readIfExists(jobFile);
    if (text === undefined) return undefined;
    const job = parseJob(text, jid);
    if (!job) throw new UmecError('STORE', { file: jobFile, reason: 'corrupted job file' });
    const returns: ReturnRecord[] = [];
    const seen = new Set<string>();
    const log = await readBytesIfExists(join(this.dir, jid, LOG_NAME));
    if (log) for (const r of parseLog(completeLines(log), jid)) if (!seen.has(r.id)) { seen.add(r.id); returns.push(r); }
    returns.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { job, returns };
  }

  async listJobs(o: { limit?: number; since?: string } = {}): Promise<JobSummary[]> {
    const limit = o.limit ?? Infinity;
    if (limit !== Infinity && !(Number.isInteger(limit) && limit >= 0)) throw new UmecError('USAGE', { reason: `limit must be a non-negative integer, got ${limit}` });
    const lower = sinceJid(o.since);
    const jids = (await readdir(this.dir)).filter((n) => isJid(n) && (lower === undefined || n >= lower)).sort().reverse();
    const out: JobSummary[] = [];
    for (let i = 0; i < jids.length && out.length < limit; i += PARALLEL) {
      const batch = await Promise.all(jids.slice(i, i + PARALLEL).map((jid) => this.summarize(jid)));
      for (const s of batch) if (s && out.length < limit) out.push(s);
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pending]);
    const logs = [...this.logs.values()];
    this.logs.clear();
    await Promise.allSettled(logs.map((log) => this.drop(log)));
  }

  private async summarize(jid: string): Promise<JobSummary | undefined> {
    const text = await readIfExists(join(this.dir, jid, 'job.json'));
    const job = text === undefined ? undefined : parseJob(text, jid);
    if (!job) return undefined;
    return { ...job, returned: await this.countLog(jid), expected: job.targets.length };
  }

  /**
   * Complete lines in a job's log, without parsing them: newline bytes are
   * counted, so a torn last line does not count. The log is append-only, so
   * only the bytes added since the previous count are read.
   */
  private async countLog(jid: string): Promise<number> {
    let fh: FileHandle;
    try { fh = await open(join(this.dir, jid, LOG_NAME), 'r'); } catch (e) {
      if (isNotFound(e)) { this.counts.delete(jid); return 0; }
      throw e;
    }
    try {
      const { size, ino } = await fh.stat();
      let c = this.counts.get(jid);
      if (!c || c.ino !== ino || size < c.bytes) c = { ino, bytes: 0, count: 0 };
      let { bytes, count } = c;
      if (size > bytes) {
        const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - bytes));
        for (let pos = bytes; pos < size;) {
          const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
          if (bytesRead === 0) break;
          const chunk = buf.subarray(0, bytesRead);
          for (let i = chunk.indexOf(NL); i !== -1; i = chunk.indexOf(NL, i + 1)) { count++; bytes = pos + i + 1; }
          pos += bytesRead;
        }
      }
      this.counts.delete(jid);
      this.counts.set(jid, { ino, bytes, count });
      if (this.counts.size > COUNT_CACHE_MAX) this.counts.delete(this.counts.keys().next().value as string);
      return count;
    } finally { await fh.close(); }
  }

  /** The live writer state of a job, created (and loading) on first touch. */
  private logFor(jid: string): JobLog {
    let log = this.logs.get(jid);
    if (!log) {
      const created: JobLog = {
        jid, path: join(this.dir, jid, LOG_NAME), ready: Promise.resolve(), ids: new Set(),
        pending: new Map(), dead: false,
      };
      created.ready = this.load(created).catch((e: unknown) => {
        this.kill(created);
        throw e;
      });
      this.logs.set(jid, created);
      log = created;
    }
    return log;
  }

  /** Open the log for appending (created if missing; a torn tail is cut) and load its ids. */
  private async load(log: JobLog): Promise<void> {
    await this.ensureDir(dirname(log.path));
    const { log: file, lines } = await AppendLog.open(log.path, { mode: FILE_MODE, onSync: this.onSync });
    log.log = file;
    for (const r of parseLog(lines, log.jid)) log.ids.add(r.id);
    this.armIdle(log);
  }

  private enqueue(log: JobLog, id: string, line: string): Promise<void> {
    if (log.dead || !log.log) return Promise.reject(new UmecError('STORE', { file: this.dir, reason: 'the job cache is closed (the master is stopping)' }));
    return log.log.append(line).then(() => {
      log.ids.add(id);
      log.pending.delete(id);
      log.timer?.refresh();
    }, (e: unknown) => {
      // The log may now end with a partial batch: drop this state so that the next touch reloads and cuts it.
      log.pending.delete(id);
      this.kill(log);
      throw e;
    });
  }

  private armIdle(log: JobLog): void {
    if (this.idleCloseMs === Infinity) return;
    log.timer = setTimeout(() => {
      if (log.dead) return;
      if (log.log?.busy || log.pending.size > 0) { log.timer?.refresh(); return; }
      this.kill(log);
    }, this.idleCloseMs);
    log.timer.unref();
  }

  /** Forget a job's writer state (a later touch reloads it from disk) and close its handle. */
  private kill(log: JobLog): void {
    if (this.logs.get(log.jid) === log) this.logs.delete(log.jid);
    void this.drop(log);
  }

  private async drop(log: JobLog): Promise<void> {
    log.dead = true;
    if (log.timer) clearTimeout(log.timer);
    const file = log.log;
    log.log = undefined;
    await file?.close().catch(() => undefined);
  }

  private async syncDir(path: string): Promise<void> {
    this.onSync?.(path);
    await fsyncDir(path);
  }

  /** mkdir -p, then fsync the parent of every directory it created. */
  private async ensureDir(path: string): Promise<void> {
    const first = await mkdir(path, { recursive: true, mode: DIR_MODE });
    if (first === undefined) return;
    for (let p = path; ; p = dirname(p)) {
      await this.syncDir(dirname(p));
      if (p === first || dirname(p) === p) break;
    }
  }

  private track<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new UmecError('STORE', { file: this.dir, reason: 'the job cache is closed (the master is stopping)' }));
    const p = op();
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
    return p;
  }
}
