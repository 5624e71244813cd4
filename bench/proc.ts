/** Small process, socket and file helpers for the fleet benchmark. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { readJsonLines, writeJsonLine } from '../lib/jsonl.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median wall time of `runs` calls of fn (setup runs before each call, untimed). */
export async function timeIt(runs: number, fn: (i: number) => Promise<void>, setup?: (i: number) => Promise<void>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    await setup?.(i);
    const t0 = performance.now();
    await fn(i);
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

/** Everything started here, killed on any exit path; temp dirs removed likewise. */
const children = new Set<ChildProcess>();
const dirs = new Set<string>();
function killAllSync(): void {
  for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
  for (const d of dirs) { try { rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ } }
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => { killAllSync(); process.exit(130); });
}

export function trackDir(d: string): string { dirs.add(d); return d; }
export function untrackDir(d: string): void { dirs.delete(d); }

export interface Child { proc: ChildProcess; stderr: () => string; exited: Promise<number | null> }

/** Spawns a tracked child; keeps the last 8 KB of its stderr for diagnostics. */
export function startChild(cmd: string, args: string[], opts: SpawnOptions = {}): Child {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  children.add(proc);
  let tail = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (s: string) => { tail = (tail + s).slice(-8192); });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => { children.delete(proc); r(code); }));
  return { proc, stderr: () => tail, exited };
}

export function track(proc: ChildProcess): Promise<number | null> {
  children.add(proc);
  return new Promise((r) => {
    if (proc.exitCode !== null || proc.signalCode !== null) { children.delete(proc); r(proc.exitCode); return; }
    proc.once('exit', (code) => { children.delete(proc); r(code); });
  });
}

/** SIGTERM, then SIGKILL if it has not exited within ms. */
export async function stopChild(proc: ChildProcess, exited: Promise<unknown>, ms = 10_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  let t: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => { t = setTimeout(() => r(true), ms); })]);
  clearTimeout(t);
  if (timedOut) {
    proc.kill('SIGKILL');
    await Promise.race([exited, sleep(2000)]);
  }
}

/** Runs a command to completion (bounded), returning its wall time as seen from here. */
export async function timedRun(cmd: string, args: string[], timeoutMs: number): Promise<{ ms: number; code: number | null; stdout: string; stderr: string }> {
  const t0 = performance.now();
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = track(proc);
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  proc.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const code = await exited;
  const ms = performance.now() - t0;
  clearTimeout(t);
  return { ms, code, stdout, stderr };
}

export { freePort } from '../test/helpers/net.js';

/** VmRSS of a process, KB. */
export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** Soft limit of open files of this process (children inherit it). */
export function openFilesLimit(): { soft: number; hard: number } {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  const n = (s: string | undefined) => (s === 'unlimited' || !s ? Infinity : Number(s));
  return { soft: n(m?.[1]), hard: n(m?.[2]) };
}

export interface ControlLine { type: string; [k: string]: unknown }

/**
 * One request on the master's control socket, as the CLI sends it. `sentAt`
 * is taken just before the request is written; `lastAt` when the line that
 * ends the exchange (done/result/error) arrives.
 */
export function control(sockPath: string, request: Record<string, unknown>, timeoutMs: number,
  onLine: (l: ControlLine) => void = () => undefined): Promise<{ sentAt: number; lastAt: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const sock = connect(sockPath);
    let sentAt = 0;
    let lastAt = 0;
    let lines = 0;
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`control request ${String(request.op)} got no end within ${timeoutMs} ms`)); }, timeoutMs);
    sock.once('error', (e) => { clearTimeout(timer); reject(e); });
    sock.once('connect', () => { sentAt = performance.now(); writeJsonLine(sock, request); });
    readJsonLines(sock, (m) => {
      const l = m as ControlLine;
      lines++;
      if (l.type === 'done' || l.type === 'result' || l.type === 'error') lastAt = performance.now();
      if (l.type === 'error') { clearTimeout(timer); sock.destroy(); reject(new Error(`master: ${String(l.message)}`)); return; }
      onLine(l);
    }, () => undefined);
    sock.once('close', () => { clearTimeout(timer); resolve({ sentAt, lastAt: lastAt || performance.now(), lines }); });
  });
}

export interface ReturnLine { id: string; ret: unknown; retcode: number; success: boolean }
export interface JobResult { ms: number; targets: string[]; returns: Map<string, ReturnLine>; missing: string[] }

/** job.start over the control socket; resolves at done with every return. */
export async function runJob(sockPath: string, request: Record<string, unknown>, timeoutMs: number): Promise<JobResult> {
  let targets: string[] = [];
  let missing: string[] | undefined;
  const returns = new Map<string, ReturnLine>();
  const r = await control(sockPath, { op: 'job.start', request }, timeoutMs, (l) => {
    if (l.type === 'job') targets = l.targets as string[];
    else if (l.type === 'return') { const x = l.ret as ReturnLine; returns.set(x.id, x); }
    else if (l.type === 'done') missing = l.missing as string[];
  });
  if (!missing) throw new Error('job ended without a done line');
  return { ms: r.lastAt - r.sentAt, targets, returns, missing };
}

/** CPU time (user + system) a process has used so far, seconds. */
export function cpuSec(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch { return 0; }
}
