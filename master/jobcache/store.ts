export interface JobRecord {
  jid: string;
  fun: string;
  args: unknown;
  target: { expr: string; type: string };
  targets: string[];
  user?: string;
  startedAt: string;
  test?: boolean;
  batch?: string;
}

export interface ReturnRecord {
  jid: string;
  id: string;
  fun: string;
  ret: unknown;
  retcode: number;
  success: boolean;
  receivedAt: string;
}

export interface JobSummary extends JobRecord {
  returned: number;
  expected: number;
}

export interface JobStore {
  saveJob(job: JobRecord): Promise<void>;
  /** Durable (fsync'ed) when the promise resolves. Returns false when this (jid,id) return was already stored (duplicate delivery). */
  saveReturn(r: ReturnRecord): Promise<boolean>;
  getJob(jid: string): Promise<{ job: JobRecord; returns: ReturnRecord[] } | undefined>;
  /** Newest first. `since` is a jid or an ISO date; jobs at or after it are listed. */
  listJobs(o?: { limit?: number; since?: string }): Promise<JobSummary[]>;
  close(): Promise<void>;
}

const JID = /^\d{20}$/;

export function isJid(s: unknown): s is string {
  return typeof s === 'string' && JID.test(s);
}

function formatMicros(micros: number): string {
  const iso = new Date(Math.floor(micros / 1000)).toISOString();
  const jid = iso.slice(0, 19).replace(/\D/g, '') + String(micros % 1_000_000).padStart(6, '0');
  if (!JID.test(jid)) throw new Error(`cannot make a jid for ${iso}`);
  return jid;
}

function microsOf(d: Date): number {
  const ms = d.getTime();
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`invalid date for a jid: ${String(d)}`);
  return ms * 1000;
}

/** The smallest jid of the given instant; not unique, for range bounds. */
export function jidAt(d: Date): string {
  return formatMicros(microsOf(d));
}

let lastMicros = 0;

/** Salt-style jid YYYYMMDDhhmmssffffff (UTC); strictly increasing within the process. */
export function newJid(now = new Date()): string {
  lastMicros = Math.max(microsOf(now), lastMicros + 1);
  return formatMicros(lastMicros);
}
