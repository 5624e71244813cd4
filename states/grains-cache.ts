import { constants } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import { privateProblem } from '../lib/private-path.js';
import { machineGrains, type Grains } from './grains.js';

interface CacheFile { bootId: string; at: number; grains: Grains }

async function bootId(): Promise<string> {
  try { return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim(); } catch { return 'unknown'; }
}

/** The cache file's text when it is a regular file (no symlink) only root or `owners` can have written. */
async function readPrivate(file: string, owners: readonly number[]): Promise<string | undefined> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return privateProblem(await fh.stat(), owners, 'file') ? undefined : await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/**
 * Machine grains, cached like Salt's grains_cache: reused while younger than
 * maxAgeSeconds and from the same boot, otherwise collected and stored again.
 * Config overrides (id, static grains) are applied by the caller, never cached.
 */
export async function cachedMachineGrains(o: { cacheDir: string; maxAgeSeconds?: number; refresh?: boolean; owners?: readonly number[] }): Promise<Grains> {
  const file = join(o.cacheDir, 'grains.json');
  const boot = await bootId();
  if (!o.refresh) {
    try {
      // a cache another local user could have written is not believed: grains target states
      const text = await readPrivate(file, o.owners ?? [process.getuid?.() ?? 0]);
      const c = JSON.parse(text ?? 'null') as CacheFile;
      if (c.bootId === boot && Date.now() - c.at < (o.maxAgeSeconds ?? 300) * 1000 && c.grains && typeof c.grains === 'object') return c.grains;
    } catch { /* absent or unreadable: collect */ }
  }
  const grains = await machineGrains();
  try {
    await mkdir(o.cacheDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, JSON.stringify({ bootId: boot, at: Date.now(), grains } satisfies CacheFile), { mode: 0o600 });
  } catch { /* a read-only cache dir only costs speed */ }
  return grains;
}
