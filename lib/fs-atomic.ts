import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Write a file so that readers see either the old or the new content, never a
 * torn one, and the new content is on disk once this resolves: temp file in the
 * same directory, fsync, rename, fsync of the directory.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array,
  opts: { mode?: number } = {}): Promise<void> {
  await writeFileAtomicWith(path, (fh) => fh.writeFile(data), opts);
}

/** writeFileAtomic for content written piece by piece: `write` fills the temp file; throwing leaves nothing behind. */
export async function writeFileAtomicWith(path: string, write: (fh: FileHandle) => Promise<void>,
  opts: { mode?: number } = {}): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', opts.mode ?? 0o644);
  try {
    await write(fh);
    if (opts.mode !== undefined) await fh.chmod(opts.mode);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw withPath(e, path);
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(path));
}

/** A write or fsync error carries no path: it gets the target's, so the error can name the file (lib/errors ioError). */
function withPath(e: unknown, path: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && err.code && !err.path) err.path = path;
  return e;
}

export async function fsyncDir(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try { await dh.sync(); } finally { await dh.close(); }
}
