/**
 * Issue 27 row: what checking a content-addressed blob costs before it is used, on a 1 GiB image
 * blob, against reading it once. The first use in a process hashes it in full; later uses check
 * its fingerprint (lib/verified-files.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { VerifiedFiles } from '../lib/verified-files.js';
import { median } from './proc.js';
import type { Row, Section } from './section.js';

const SIZE = Number(process.env.UMEC_BENCH_BLOB_MB ?? 1024) * 1024 * 1024;

async function readAll(path: string): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) void chunk;
}

export async function cacheRows(): Promise<Section> {
  const dir = await mkdtemp(join(tmpdir(), 'umec-bench-cache-'));
  const rows: Row[] = [];
  try {
    const path = join(dir, 'blob');
    const h = createHash('sha256');
    const fh = await open(path, 'w');
    const piece = randomBytes(16 << 20);
    for (let n = 0; n < SIZE; n += piece.length) { await fh.write(piece); h.update(piece); }
    await fh.close();
    const hash = h.digest('hex');
    const reads: number[] = [];
    const warm: number[] = [];
    const cold: number[] = [];
    for (let i = 0; i < 5; i++) {
      let t0 = performance.now();
      await readAll(path);
      reads.push(performance.now() - t0);
      const v = new VerifiedFiles();
      t0 = performance.now();
      if ((await v.check(path, hash)) !== 'ok') throw new Error('the blob failed its own hash');
      cold.push(performance.now() - t0);
      t0 = performance.now();
      if ((await v.check(path, hash)) !== 'ok') throw new Error('the blob failed its own hash');
      warm.push(performance.now() - t0);
    }
    const read = median(reads);
    const label = `${Math.round(SIZE / (1 << 20))} MiB`;
    rows.push({ name: `read a ${label} cached image blob (page cache)`, median: read, unit: 'ms', target: '(info)' });
    rows.push({ name: '  check before use, blob checked before in this process', median: median(warm), unit: 'ms', target: `< 10% of read (${(read / 10).toFixed(0)} ms)`,
      extra: `${((median(warm) / read) * 100).toFixed(2)}% of the read` });
    rows.push({ name: '  check before use, first use in a process (full sha256)', median: median(cold), unit: 'ms', target: '(info)',
      extra: `${((median(cold) / read) * 100).toFixed(0)}% of the read` });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { rows, notes: [], skipped: [] };
}
