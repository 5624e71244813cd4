/**
 * Firmware section: install of a signed 1 GiB image into a file slot, from a
 * local bundle and from a local HTTP server, against `cat image > slot` (plus
 * sync, as the installer flushes the slot) of the same image in the same run;
 * peak RSS of the installer process at 1 GiB and at 64 MiB (flat in size).
 */
import { spawn } from 'node:child_process';
import { createPublicKey, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { createBundle, signBundle } from '../firmware/bundle.js';
import { firmwareSettings, firmwareSettingsSchema } from '../firmware/config.js';
import { generateSigningKey, loadSigningKey } from '../firmware/keys.js';
import { validateConfig } from '../lib/config.js';
import { median, trackDir, untrackDir } from './proc.js';
import type { Row, Section } from './section.js';

const CHILD = fileURLToPath(new URL('./firmware-child.js', import.meta.url));
const GiB = 1 << 30;
const RUNS = 2;

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`))));
  });
}

async function writeImage(path: string, size: number): Promise<void> {
  const fh = await open(path, 'w');
  const buf = Buffer.allocUnsafe(4 << 20);
  try {
    for (let done = 0; done < size; done += buf.length) {
      randomFillSync(buf);
      await fh.write(buf, 0, Math.min(buf.length, size - done));
    }
  } finally { await fh.close(); }
}

export async function firmwareRows(): Promise<Section> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const dir = trackDir(await mkdtemp(join(tmpdir(), 'umec-bench-fw-')));
  const server = createServer((req, res) => {
    const file = join(dir, decodeURIComponent((req.url ?? '/').slice(1)));
    stat(file).then((st) => {
      res.writeHead(200, { 'content-length': st.size });
      createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
    }, () => res.writeHead(404).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    const { key, pub } = await generateSigningKey(join(dir, 'vendor'));
    await mkdir(join(dir, 'keyring'));
    await writeFile(join(dir, 'keyring', 'vendor.pub'), await (await import('node:fs/promises')).readFile(pub));
    const k = await loadSigningKey(key);
    const makeBundle = async (name: string, size: number) => {
      await writeImage(join(dir, `${name}.img`), size);
      await writeFile(join(dir, `${name}.yaml`), stringify({ compatible: 'bench-board', version: '1.0.0', images: [{ slot: 'rootfs', file: `${name}.img` }] }));
      await createBundle(join(dir, `${name}.yaml`), join(dir, `${name}.umb`));
      await signBundle(join(dir, `${name}.umb`), k, createPublicKey(k));
    };
    let n = 0;
    /** A fresh journal each time, the same two file slots: one install, timed inside the installer process. */
    const install = async (source: string, verifyFirst: boolean): Promise<{ ms: number; maxRssKb: number }> => {
      const box = join(dir, `box${n++}`);
      await mkdir(box);
      await writeFile(join(box, 'cmdline'), 'umec.slot=A\n');
      await writeFile(join(box, 'boot_id'), 'bench\n');
      const settings = firmwareSettings(validateConfig({
        compatible: 'bench-board', slots: { A: { device: join(dir, 'slotA') }, B: { device: join(dir, 'slotB') } },
        bootenv: { driver: 'file', path: join(box, 'bootenv') }, keyring: join(dir, 'keyring'), journal_dir: join(box, 'journal'),
        booted: { cmdline: join(box, 'cmdline') }, boot_id_file: join(box, 'boot_id'), verify_before_write: verifyFirst,
      }, firmwareSettingsSchema, 'bench'), { dataDir: box });
      await writeFile(join(box, 'settings.json'), JSON.stringify(settings));
      const r = JSON.parse(await run(process.execPath, [CHILD, join(box, 'settings.json'), source])) as { ms: number; maxRssKb: number };
      await rm(join(dir, 'slotB'), { force: true });
      await rm(box, { recursive: true, force: true });
      return r;
    };

    await makeBundle('small', 64 << 20);
    const smallRss = { two: (await install(join(dir, 'small.umb'), true)).maxRssKb, one: (await install(join(dir, 'small.umb'), false)).maxRssKb };
    await rm(join(dir, 'small.img')); await rm(join(dir, 'small.umb'));
    // the image stays as a plain file for cat: the same bytes the bundle carries
    await makeBundle('big', GiB);
    const image = join(dir, 'big.img');
    const url = `http://127.0.0.1:${port}/big.umb`;

    const t: Record<string, number[]> = { cat: [], local2: [], local1: [], http2: [], http1: [] };
    const rss: Record<string, number[]> = { local2: [], local1: [], http2: [], http1: [] };
    for (let i = 0; i < RUNS; i++) {
      // interleaved, so load from elsewhere on the machine hits every variant alike
      const slot = join(dir, 'slotB');
      const t0 = performance.now();
      await run('sh', ['-c', 'cat "$1" > "$2" && sync "$2"', 'sh', image, slot]);
      t.cat.push(performance.now() - t0);
      await rm(slot, { force: true });
      for (const [key, src, verify] of [['local2', join(dir, 'big.umb'), true], ['local1', join(dir, 'big.umb'), false], ['http2', url, true], ['http1', url, false]] as const) {
        const r = await install(src, verify);
        t[key].push(r.ms);
        rss[key].push(r.maxRssKb);
      }
    }
    const mbps = (ms: number) => GiB / (1 << 20) / (ms / 1000);
    const catMs = median(t.cat);
    rows.push({ name: 'firmware: cat 1 GiB image > slot && sync', median: mbps(catMs), unit: 'MB/s', target: '(baseline)' });
    const row = (name: string, key: string, how: string) => {
      const ms = median(t[key]);
      rows.push({ name, median: mbps(ms), unit: 'MB/s', target: '>= 80% of cat', extra: `${((catMs / ms) * 100).toFixed(0)}% of cat; ${how}` });
    };
    row('firmware: install 1 GiB local, verify first', 'local2', 'verify pass, then write pass (hashed again)');
    row('firmware: install 1 GiB local, single pass', 'local1', 'verify_before_write: false');
    row('firmware: install 1 GiB HTTP, verify first', 'http2', 'download+verify to staging, then write');
    row('firmware: install 1 GiB HTTP, single pass', 'http1', 'verify_before_write: false, no staging');
    const mb = (kb: number) => kb / 1024;
    const rssRow = (name: string, key: string, small?: number) => rows.push({ name, median: mb(median(rss[key])), unit: 'MB', target: '< 80 MB',
      extra: `max ${mb(Math.max(...rss[key])).toFixed(1)} MB at 1 GiB${small ? `; ${mb(small).toFixed(1)} MB at 64 MiB` : ''}${mb(Math.max(...rss[key])) >= 80 ? '; MISSED' : ''}` });
    rssRow('firmware: installer peak RSS, local, verify first', 'local2', smallRss.two);
    rssRow('firmware: installer peak RSS, local, single pass', 'local1', smallRss.one);
    rssRow('firmware: installer peak RSS, HTTP, verify first', 'http2');
    rssRow('firmware: installer peak RSS, HTTP, single pass', 'http1');
    // a missed target is a row that says MISSED, not a broken benchmark (problems make npm run bench exit 1)
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
    untrackDir(dir);
  }
  return { rows, notes, skipped: [] };
}
