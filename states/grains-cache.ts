import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import { machineGrains, type Grains } from './grains.js';

interface CacheFile { bootId: string; at: number; grains: Grains }

async function bootId(): Promise<string> {
  try { return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim(); } catch { return 'unknown'; }
}

/**
 * Machine grains, cached like Salt's grains_cache: reused while younger than
 * maxAgeSeconds and from the same boot, otherwise collected and stored again.
 * Config overrides (id, static grains) are applied by the caller, never cached.
 */
export async function cachedMachineGrains(o: { cacheDir: string; maxAgeSeconds?: number; refresh?: boolean }): Promise<Grains> {
  const file = join(o.cacheDir, 'grains.json');
  const boot = await bootId();
  if (!o.refresh) {
    try {
      const c = JSON.parse(await readFile(file, 'utf8')) as CacheFile;
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
