import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../../lib/fs-atomic.js';
import { isNotFound } from '../../lib/errors.js';

/**
 * A 32-byte secret key in the Mp1 data dir (mode 0600), made on first use and
 * never replaced: replacing it would silently revoke every token and client
 * secret derived from it. Two processes creating it at once (agent and
 * `umec mp1 app add`) both end up with the first one's key.
 */
export async function loadOrCreateSecret(dir: string, name: string): Promise<Buffer> {
  const file = join(dir, name);
  try {
    const k = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    if (k.length !== 32) throw new Error(`${file}: damaged key (expected 32 bytes, base64); restore it from a backup or remove it to issue new credentials`);
    return k;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(`${randomBytes(32).toString('base64')}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, file); // fails when another process got there first: its key wins
    await fsyncDir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  return loadOrCreateSecret(dir, name);
}
