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
const RUNS = 3;

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
    const install = async (source: string): Promise<{ ms: number; maxRssKb: number }> => {
      const box = join(dir, `box${n++}`);
      await mkdir(box);
      await writeFile(join(box, 'cmdline'), 'umec.slot=A\n');
      await writeFile(join(box, 'boot_id'), 'bench\n');
      const settings = firmwareSettings(validateConfig({
        compatible: 'bench-board', slots: { A: { device: join(dir, 'slotA') }, B: { device: join(dir, 'slotB') } },
        bootenv: { driver: 'file', path: join(box, 'bootenv') }, keyring: join(dir, 'keyring'), journal_dir: join(box, 'journal'),
        booted: { cmdline: join(box, 'cmdline') }, boot_id_file: join(box, 'boot_id'),
      }, firmwareSettingsSchema, 'bench'), { dataDir: box });
      await writeFile(join(box, 'settings.json'), JSON.stringify(settings));
      const r = JSON.parse(await run(process.execPath, [CHILD, join(box, 'settings.json'), source])) as { ms: number; maxRssKb: number };
      await rm(join(dir, 'slotB'), { force: true });
      return r;
    };

    await makeBundle('small', 64 << 20);
    const small = await install(join(dir, 'small.umb'));
    await rm(join(dir, 'small.img')); await rm(join(dir, 'small.umb'));
    await makeBundle('big', GiB);
    await rm(join(dir, 'big.img'));
    const image = join(dir, 'image');
    // the same bytes as inside the bundle, as a plain file for cat
    await run('sh', ['-c', `tail -c ${GiB} "$1" | head -c ${GiB} > "$2"`, 'sh', join(dir, 'big.umb'), image]).catch(async () => {
      await writeImage(image, GiB);
    });
    // the image ends 1 KiB (tar end blocks) before the bundle does
    await run('sh', ['-c', `head -c $(( $(stat -c %s "$1") - 1024 )) "$1" | tail -c ${GiB} > "$2"`, 'sh', join(dir, 'big.umb'), image]);

    const cat: number[] = []; const local: number[] = []; const http: number[] = []; const rss: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const slot = join(dir, 'slotB');
      const t0 = performance.now();
      await run('sh', ['-c', 'cat "$1" > "$2" && sync "$2"', 'sh', image, slot]);
      cat.push(performance.now() - t0);
      await rm(slot, { force: true });
      const l = await install(join(dir, 'big.umb'));
      local.push(l.ms); rss.push(l.maxRssKb);
      const h = await install(`http://127.0.0.1:${port}/big.umb`);
      http.push(h.ms); rss.push(h.maxRssKb);
    }
    const mbps = (ms: number) => GiB / (1 << 20) / (ms / 1000);
    const catMs = median(cat);
    rows.push({ name: 'firmware: cat 1 GiB image > slot && sync', median: mbps(catMs), unit: 'MB/s', target: '(baseline)' });
    const localMs = median(local);
    rows.push({ name: 'firmware: install 1 GiB from local bundle', median: mbps(localMs), unit: 'MB/s', target: '>= 80% of cat',
      extra: `${((catMs / localMs) * 100).toFixed(0)}% of cat (verify pass + write pass, both hashed)` });
    const httpMs = median(http);
    rows.push({ name: 'firmware: install 1 GiB over HTTP 127.0.0.1', median: mbps(httpMs), unit: 'MB/s', target: '>= 80% of cat',
      extra: `${((catMs / httpMs) * 100).toFixed(0)}% of cat (download+verify to staging, then write)` });
    rows.push({ name: 'firmware: installer peak RSS, 1 GiB image', median: median(rss) / 1024, unit: 'MB', target: '< 80 MB',
      extra: `max ${(Math.max(...rss) / 1024).toFixed(1)} MB; 64 MiB image: ${(small.maxRssKb / 1024).toFixed(1)} MB` });
    if (Math.max(...rss) / 1024 >= 80) notes.push(`firmware: installer peak RSS ${(Math.max(...rss) / 1024).toFixed(1)} MB is over the 80 MB target`);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
    untrackDir(dir);
  }
  return { rows, notes, skipped: [] };
}
