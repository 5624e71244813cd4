import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UmecError } from '../lib/errors.js';

const alive = (pid: number) => {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
};

/**
 * One process at a time changes the firmware state (agent, CLI, installer):
 * a lock file holding the owner's pid; a lock whose owner died is taken over.
 */
export async function acquireLock(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'lock');
  for (let i = 0; i < 3; i++) {
    try {
      const fh = await open(file, 'wx', 0o644);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return async () => { await unlink(file).catch(() => undefined); };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (pid > 0 && pid !== process.pid && alive(pid)) throw new UmecError('FW_BUSY', { reason: `another firmware operation is running (pid ${pid})` });
    await unlink(file).catch(() => undefined);
  }
  throw new UmecError('FW_BUSY', { reason: `cannot take the firmware lock ${file}` });
}
