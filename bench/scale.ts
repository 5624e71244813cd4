/**
 * Issue 27 rows: local apply of 1k, 10k and 100k quick states as a whole `umec state apply --local`
 * process (time and peak RSS): the growth must stay linear.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeTree } from '../test/helpers/tree.js';
import { median } from './proc.js';
import type { Row, Section } from './section.js';

const BIN = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url));
/** Runs per size; UMEC_BENCH_SCALE_RUNS=1 for a quick look. */
const RUNS = Number(process.env.UMEC_BENCH_SCALE_RUNS ?? 3);
const SIZES: [number, string][] = [[1000, '(info)'], [10_000, '(info)'], [100_000, '< 20 s and < 300 MB']];

export async function scaleRows(): Promise<Section> {
  const dir = await mkdtemp(join(tmpdir(), 'umec-bench-scale-'));
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    for (const [n] of SIZES) {
      await writeTree(join(dir, 'tree'), { [`s${n}.sls`]: Array.from({ length: n }, (_, i) => `s${i}:\n  test.succeed_without_changes: []\n`).join('') });
    }
    const timeBin = existsSync('/usr/bin/time');
    if (!timeBin) notes.push('scale: /usr/bin/time is missing, peak RSS not measured');
    for (const [n, target] of SIZES) {
      const times: number[] = [];
      const rss: number[] = [];
      const args = [BIN, 'state', 'apply', `s${n}`, '--local', '--state-root', join(dir, 'tree'), '--cachedir', join(dir, 'cache'), '--state-output', 'terse'];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const r = timeBin
          ? spawnSync('/usr/bin/time', ['-f', 'RSS %M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
          : spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
        times.push(performance.now() - t0);
        if (r.status !== 0) throw new Error(`umec state apply of ${n} states failed: ${r.stderr.slice(-2000)}`);
        if (!r.stdout.includes(`Succeeded: ${n}`)) throw new Error(`umec state apply of ${n} states: not all succeeded`);
        const m = /RSS (\d+)\s*$/.exec(r.stderr);
        if (m) rss.push(Number(m[1]) / 1024);
      }
      rows.push({ name: `local apply ${n.toLocaleString('en-US')} test states, whole process`, median: median(times), unit: 'ms', target,
        extra: rss.length ? `peak RSS ${median(rss).toFixed(0)} MB` : undefined });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { rows, notes, skipped: [] };
}
