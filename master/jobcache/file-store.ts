import { closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { access, mkdir, readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fsyncDir, writeFileAtomic } from '../../lib/fs-atomic.js';
import { isJid, jidAt, type JobRecord, type JobStore, type JobSummary, type ReturnRecord } from './store.js';

const ID = /^[A-Za-z0-9._-]{1,253}$/;
/** Longer ids get a hashed file name so that temp names stay under NAME_MAX. */
const MAX_PLAIN_ID = 200;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
const PARALLEL = 32;

export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id) && id !== '.' && id !== '..';
}

function returnFileName(id: string): string {
  return id.length <= MAX_PLAIN_ID ? `${id}.json` : `~${createHash('sha256').update(id).digest('hex')}.json`;
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

async function readIfExists(path: string): Promise<string | undefined> {
  try { return await readFile(path, 'utf8'); } catch (e) { if (isNotFound(e)) return undefined; throw e; }
}

async function returnFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith('.json'));
  } catch (e) { if (isNotFound(e)) return []; throw e; }
}

async function exists(path: string): Promise<boolean> {
  try { await access(path); return true; } catch (e) { if (isNotFound(e)) return false; throw e; }
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

async function mapLimit<T, R>(items: T[], fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL) out.push(...await Promise.all(items.slice(i, i + PARALLEL).map(fn)));
  return out;
}

function sinceJid(since: string | undefined): string | undefined {
  if (since === undefined || isJid(since)) return since;
  const ms = Date.parse(since);
  if (Number.isNaN(ms)) throw new Error(`since must be a jid or an ISO date, got ${JSON.stringify(since)}`);
  return jidAt(new Date(ms));
}

export class FileJobStore implements JobStore {
  readonly dir: string;
  private readonly inflight = new Map<string, Promise<boolean>>();
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;

  constructor(dir: string) {
    this.dir = resolve(dir);
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
      if (!isJid(job.jid)) throw new Error(`invalid jid ${JSON.stringify(job.jid)}`);
      const jobDir = join(this.dir, job.jid);
      await this.ensureDir(join(jobDir, 'returns'));
      await writeFileAtomic(join(jobDir, 'job.json'), JSON.stringify(job), { mode: FILE_MODE });
    });
  }

  saveReturn(r: ReturnRecord): Promise<boolean> {
    return this.track(async () => {
      if (!isJid(r.jid)) throw new Error(`invalid jid ${JSON.stringify(r.jid)}`);
      if (!isValidId(r.id)) throw new Error(`invalid agent id ${JSON.stringify(r.id)}`);
      const key = `${r.jid}/${r.id}`;
      const prev = this.inflight.get(key);
      const p = (async () => {
        await prev?.catch(() => undefined);
        return this.writeReturn(r);
      })();
      this.inflight.set(key, p);
      try { return await p; } finally { if (this.inflight.get(key) === p) this.inflight.delete(key); }
    });
  }

  async getJob(jid: string): Promise<{ job: JobRecord; returns: ReturnRecord[] } | undefined> {
    if (!isJid(jid)) return undefined;
    const jobFile = join(this.dir, jid, 'job.json');
    const text = await readIfExists(jobFile);
    if (text === undefined) return undefined;
    const job = parseJob(text, jid);
    if (!job) throw new Error(`corrupted job file ${jobFile}`);
    const returnsDir = join(this.dir, jid, 'returns');
    const returns = await mapLimit(await returnFiles(returnsDir), async (name) => {
      const file = join(returnsDir, name);
      const r = parseReturn(await readFile(file, 'utf8'), jid);
      if (!r) throw new Error(`corrupted return file ${file}`);
      return r;
    });
    returns.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { job, returns };
  }

  async listJobs(o: { limit?: number; since?: string } = {}): Promise<JobSummary[]> {
    const limit = o.limit ?? Infinity;
    if (limit !== Infinity && !(Number.isInteger(limit) && limit >= 0)) throw new Error(`limit must be a non-negative integer, got ${limit}`);
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
  }

  private async summarize(jid: string): Promise<JobSummary | undefined> {
    const text = await readIfExists(join(this.dir, jid, 'job.json'));
    const job = text === undefined ? undefined : parseJob(text, jid);
    if (!job) return undefined;
    const returned = (await returnFiles(join(this.dir, jid, 'returns'))).length;
    return { ...job, returned, expected: job.targets.length };
  }

  private async writeReturn(r: ReturnRecord): Promise<boolean> {
    const returnsDir = join(this.dir, r.jid, 'returns');
    const file = join(returnsDir, returnFileName(r.id));
    if (await exists(file)) return false;
    await this.ensureDir(returnsDir);
    await writeFileAtomic(file, JSON.stringify(r), { mode: FILE_MODE });
    return true;
  }

  /** mkdir -p, then fsync the parent of every directory it created. */
  private async ensureDir(path: string): Promise<void> {
    const first = await mkdir(path, { recursive: true, mode: DIR_MODE });
    if (first === undefined) return;
    for (let p = path; ; p = dirname(p)) {
      await fsyncDir(dirname(p));
      if (p === first || dirname(p) === p) break;
    }
  }

  private track<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('job store is closed'));
    const p = op();
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
    return p;
  }
}
