/**
 * Renders every case of the oracle's corpus with umec's engine or nunjucks in child processes
 * (render-worker.ts), so a case that never finishes is recorded as such instead of hanging the
 * test suite: when one case takes longer than `hangMs`, the child is killed and the next one
 * starts after that case.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Oracle, Outcome } from './corpus.js';

/** One child from case `start` on: the outcomes it finished, and why it stopped early (if so). */
function runChild(worker: string, args: string[], hangMs: number, onOutcome: (i: number, o: Outcome) => void): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let hung = false;
    let timer = setTimeout(() => { hung = true; child.kill('SIGKILL'); }, hangMs);
    child.stderr.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 4000) stderr += d; });
    createInterface({ input: child.stdout }).on('line', (line) => {
      clearTimeout(timer);
      timer = setTimeout(() => { hung = true; child.kill('SIGKILL'); }, hangMs);
      const { i, outcome } = JSON.parse(line) as { i: number; outcome: Outcome };
      onOutcome(i, outcome);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(hung ? `did not finish within ${hangMs} ms (the renderer loops or is very slow)`
        : code === 0 ? undefined : `the render process died (exit ${code}): ${stderr.slice(0, 500)}`);
    });
  });
}

export async function renderInChildren(oracle: Oracle, renderer: 'umec' | 'nunjucks', hangMs = 20_000): Promise<Outcome[]> {
  const dir = mkdtempSync(join(tmpdir(), 'umec-jinja-diff-'));
  const dump = join(dir, 'cases.json');
  const typed = (JSON.parse(oracle.raw) as { cases: Record<string, { context: unknown }> }).cases;
  writeFileSync(dump, JSON.stringify(oracle.cases.map((c) => ({ ...c, context: typed[c.name].context }))));
  const worker = fileURLToPath(new URL('./render-worker.js', import.meta.url));
  const out: Outcome[] = [];
  try {
    while (out.length < oracle.cases.length) {
      const before = out.length;
      const stopped = await runChild(worker, [renderer, dump, String(before)], hangMs, (i, o) => { out[i] = o; });
      if (out.length < oracle.cases.length) out.push({ crash: stopped ?? 'the render process stopped early' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
