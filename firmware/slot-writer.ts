import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';

export const CHUNK = 4 << 20;

export interface CopyOptions {
  onBytes?: (done: number) => void | Promise<void>;
  signal?: AbortSignal;
}

/** Capacity of a block device (from sysfs); undefined for regular files, which grow. */
export async function deviceCapacity(device: string): Promise<number | undefined> {
  let st;
  try { st = await stat(device); } catch { return undefined; }
  if (!st.isBlockDevice()) return undefined;
  const major = Number(BigInt(st.rdev) >> 8n) & 0xfff;
  const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
  const sectors = Number((await readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8')).trim());
  return sectors * 512;
}

/**
 * Copies `size` bytes at `offset` of `src` onto the slot device, hashing what
 * is written, then flushes the device. Two 4 MiB buffers: the next read runs
 * while the current chunk is hashed and written, so memory stays flat and disk
 * time overlaps. Throws when the bytes do not hash to `sha256`.
 */
export async function copyToSlot(src: string, offset: number, size: number, device: string, sha256: string, o: CopyOptions = {}): Promise<void> {
  const input = await open(src, 'r');
  let output;
  try {
    const st = await stat(device).catch(() => undefined);
    output = await open(device, st ? 'r+' : 'w');
  } catch (e) {
    await input.close();
    throw e;
  }
  try {
    const bufs = [Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1))), Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)))];
    const h = createHash('sha256');
    let k = 0;
    let done = 0;
    let reading = size > 0 ? input.read(bufs[0], 0, Math.min(CHUNK, size), offset) : undefined;
    while (done < size) {
      if (o.signal?.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new Error('cancelled');
      const { bytesRead } = await reading!;
      if (bytesRead === 0) throw new Error(`source ${src} ended after ${done} of ${size} bytes`);
      const cur = bufs[k];
      k ^= 1;
      const nextAt = done + bytesRead;
      reading = nextAt < size ? input.read(bufs[k], 0, Math.min(CHUNK, size - nextAt), offset + nextAt) : undefined;
      const chunk = cur.subarray(0, bytesRead);
      h.update(chunk);
      let w = 0;
      while (w < bytesRead) {
        const { bytesWritten } = await output.write(chunk, w, bytesRead - w, done + w);
        if (bytesWritten === 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        w += bytesWritten;
      }
      done = nextAt;
      await o.onBytes?.(done);
    }
    if ((await output.stat()).isFile()) await output.truncate(size);
    await output.datasync();
    const got = h.digest('hex');
    if (got !== sha256) throw new Error(`written bytes hash to ${got}, expected ${sha256} (the source changed while it was copied)`);
  } finally {
    await output.close();
    await input.close();
  }
}
