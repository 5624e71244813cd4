import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../../cli/bin/run.js', import.meta.url));

/** Runs the umec CLI to completion. */
export function umec(args: string[], env: NodeJS.ProcessEnv = process.env, timeout = 60_000) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the umec CLI without blocking this process (for tests whose master or sshd runs in-process). */
export function umecAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface Proc { proc: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> }

/** A long-running umec process whose output is kept; killed by killAll. */
export function umecProc(args: string[], all: Proc[], env: NodeJS.ProcessEnv = process.env): Proc {
  const proc = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const p = { proc, out: () => out, err: () => err, exited };
  all.push(p);
  return p;
}

/** SIGTERM and wait for the exit code. */
export async function stop(p: Proc): Promise<number | null> {
  if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGTERM');
  return p.exited;
}

export function killAll(all: Proc[]): void {
  for (const p of all) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
}

export async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 20_000, every = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
