import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import type { JobArgs, JobFun, ReturnMessage } from '../lib/messages.js';
import type { LowChunk } from '../states/types.js';

/** Where a journaled job had got to: the state it was running (an apply) or the command (run). */
export interface Reached { index: number; total: number; id: string; module: string; fun: string; name: string; sls: string }

/** One running job, as the journal keeps it (data_dir/journal/<jid>.json). */
export interface JournalEntry {
  jid: string;
  fun: JobFun;
  args: JobArgs;
  startedAt: string;
  /** A job the agent started itself (its return goes as a local_job). */
  local?: { kind: 'commission' | 'schedule'; name: string; attempt?: number };
  reached?: Reached;
}

/** A command started for a job: its process group, and what tells it from a later process with the same id. */
export interface JournaledProcess { pgid: number; bootId: string; startTicks: number }

/**
 * The agent's journal of what it is running, so that a crash or `kill -9` leaves a record: one
 * file per running job (its id, and the state reached, updated as the apply goes on) and one file
 * listing the process groups of the commands it started. Every write is atomic (lib/fs-atomic).
 * After a crash, `recover()` turns each job left in the journal into a failed return saying it
 * was interrupted at that state (the job is never run again), kills the process groups left
 * running, and removes the temporary file of an interrupted atomic write next to the target of
 * the state reached.
 *
 * Progress updates are coalesced (the latest wins, one write in flight at a time), so journaling
 * does not slow an apply down to one fsync per state; a state that runs long is on disk while it runs.
 */
export class JobJournal {
  private readonly entries = new Map<string, JournalEntry>();
  private readonly writing = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private readonly processes = new Map<number, JournaledProcess>();
  private processesWrite: Promise<void> = Promise.resolve();
  private bootId?: string;

  constructor(private readonly dir: string, private readonly proc: ProcFs = linuxProcFs) {}

  /** Records a job as running (on disk before it starts). */
  async begin(e: JournalEntry): Promise<void> {
    this.entries.set(e.jid, e);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.write(e.jid);
  }

  /** The apply reached a state: recorded without waiting (coalesced with later ones). */
  reached(jid: string, chunk: LowChunk, index: number, total: number): void {
    const e = this.entries.get(jid);
    if (!e) return;
    e.reached = { index, total, id: chunk.id, module: chunk.module, fun: chunk.fun, name: chunk.name, sls: chunk.sls };
    this.schedule(jid);
  }

  /** The job's return is safe in the outbox: the journal forgets it. */
  async end(jid: string): Promise<void> {
    this.entries.delete(jid);
    this.dirty.delete(jid);
    await this.writing.get(jid)?.catch(() => undefined);
    await unlink(this.file(jid)).catch(() => undefined);
  }

  /** Hooks for the command runner: every command's process group is listed while it runs. */
  processHooks(): { started(pid: number): void; ended(pid: number): void } {
    return {
      started: (pid) => {
        this.bootId ??= this.proc.bootId();
        const startTicks = this.proc.startTicks(pid);
        if (startTicks === undefined) return;
        this.processes.set(pid, { pgid: pid, bootId: this.bootId, startTicks });
        this.saveProcesses();
      },
      ended: (pid) => { if (this.processes.delete(pid)) this.saveProcesses(); },
    };
  }

  /** Settles pending writes (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.writing.values(), this.processesWrite].map((p) => p.catch(() => undefined)));
  }

  /**
   * After a crash: each job left in the journal becomes a failed return saying where it was
   * interrupted; commands left running are killed; the temporary file of an interrupted write
   * next to the target of the state reached is removed. Returns the returns, for the outbox, and
   * what was done, for the log. Call `end(jid)` once a return is in the outbox.
   */
  async recover(): Promise<{ returns: Array<{ entry: JournalEntry; ret: ReturnMessage }>; killed: number[]; tempsRemoved: string[] }> {
    const killed = await this.killLeftovers();
    const returns: Array<{ entry: JournalEntry; ret: ReturnMessage }> = [];
    const tempsRemoved: string[] = [];
    let names: string[] = [];
    try { names = await readdir(this.dir); } catch { /* no journal yet */ }
    for (const n of names.filter((f) => /^\d{20}\.json$/.test(f)).sort()) {
      let entry: JournalEntry;
      try { entry = JSON.parse(await readFile(join(this.dir, n), 'utf8')) as JournalEntry; } catch {
        // a journal file is written atomically; one that does not parse was damaged after the fact
        entry = { jid: n.slice(0, 20), fun: 'apply', args: {}, startedAt: '' };
      }
      this.entries.set(entry.jid, entry);
      if (entry.reached && isAbsolute(entry.reached.name)) tempsRemoved.push(...await removeTemps(entry.reached.name));
      returns.push({ entry, ret: interruptedReturn(entry) });
    }
    return { returns, killed, tempsRemoved };
  }

  private async killLeftovers(): Promise<number[]> {
    let listed: JournaledProcess[];
    try { listed = JSON.parse(await readFile(join(this.dir, 'processes.json'), 'utf8')) as JournaledProcess[]; } catch { return []; }
    const killed: number[] = [];
    const boot = this.proc.bootId();
    for (const p of Array.isArray(listed) ? listed : []) {
      // only a group that is provably ours: same boot, a member no older than the command we started
      if (p.bootId !== boot || !this.proc.groupAlive(p.pgid, p.startTicks)) continue;
      try { process.kill(-p.pgid, 'SIGKILL'); killed.push(p.pgid); } catch { /* gone meanwhile */ }
    }
    await unlink(join(this.dir, 'processes.json')).catch(() => undefined);
    return killed;
  }

  private file(jid: string): string { return join(this.dir, `${jid}.json`); }

  private schedule(jid: string): void {
    this.dirty.add(jid);
    if (!this.writing.has(jid)) void this.write(jid).catch(() => undefined);
  }

  /** Writes the entry; changes made meanwhile are written right after, in one more write. */
  private write(jid: string): Promise<void> {
    const p = (async () => {
      while (this.entries.has(jid)) {
        this.dirty.delete(jid);
        await writeFileAtomic(this.file(jid), JSON.stringify(this.entries.get(jid)), { mode: 0o600 });
        if (!this.dirty.has(jid)) break;
      }
    })().finally(() => { if (this.writing.get(jid) === p) this.writing.delete(jid); });
    this.writing.set(jid, p);
    return p;
  }

  private saveProcesses(): void {
    const next = this.processesWrite.catch(() => undefined).then(async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(join(this.dir, 'processes.json'), JSON.stringify([...this.processes.values()]), { mode: 0o600 });
    });
    this.processesWrite = next;
  }
}

/** The failed return of a job that was interrupted: where it stopped, and that it was not run again. */
export function interruptedReturn(e: JournalEntry): ReturnMessage {
  const r = e.reached;
  const where = r ? `at state ${r.index + 1} of ${r.total}: ${r.id} (${r.module}.${r.fun}${r.name !== r.id ? ` ${r.name}` : ''}${r.sls ? `, SLS ${r.sls}` : ''})` : 'before its first state';
  const comment = e.fun === 'apply'
    ? `interrupted (the agent was killed or crashed) ${where}; that state may have run in part; the job was not run again`
    : `interrupted (the agent was killed or crashed) while running ${e.fun}; the job was not run again`;
  if (e.fun !== 'apply') return { jid: e.jid, fun: e.fun, ret: comment, retcode: 1, success: false };
  const stop = {
    name: 'interrupted', result: false, changes: {}, comment, duration: 0, start_time: '',
    __run_num__: r ? r.index : 0, __sls__: r?.sls ?? '', __id__: 'interrupted',
  };
  return { jid: e.jid, fun: e.fun, ret: { 'umec_|-interrupted_|-interrupted_|-stop': stop }, retcode: 1, success: false };
}

/** Removes `.NAME.<hex>.tmp` next to `target` (lib/fs-atomic's temporary files); returns what it removed. */
async function removeTemps(target: string): Promise<string[]> {
  const dir = dirname(target);
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try { names = await readdir(dir); } catch { return []; }
  const gone: string[] = [];
  for (const n of names) {
    if (!n.startsWith(prefix) || !/^[0-9a-f]{12}\.tmp$/.test(n.slice(prefix.length))) continue;
    await unlink(join(dir, n)).then(() => gone.push(join(dir, n)), () => undefined);
  }
  return gone;
}

/** What the journal asks of /proc (a test can give another). */
export interface ProcFs {
  bootId(): string;
  /** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat). */
  startTicks(pid: number): number | undefined;
  /** Whether a process of group `pgid` that started no earlier than `startTicks` still runs. */
  groupAlive(pgid: number, startTicks: number): boolean;
}

function statFields(pid: number | string): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after "(comm)", which may itself hold spaces and parentheses
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch { return undefined; }
}

export const linuxProcFs: ProcFs = {
  bootId: () => { try { return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { return ''; } },
  // after ")": field 3 is state, so field N of stat(5) is index N - 3
  startTicks: (pid) => { const f = statFields(pid); return f ? Number(f[19]) : undefined; },
  groupAlive: (pgid, startTicks) => readdirSync('/proc').some((p) => {
    if (!/^\d+$/.test(p)) return false;
    const f = statFields(p);
    return !!f && Number(f[2]) === pgid && Number(f[19]) >= startTicks && f[0] !== 'Z';
  }),
};
