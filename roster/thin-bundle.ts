import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { UmecError } from '../lib/errors.js';

/** The self-contained bundle that runs on the box (built by `npm run thin`). */
export interface ThinBundle {
  path: string;
  sha256: string;
  size: number;
  /** File name in thin_dir: named by checksum, so a present file is a complete, current one. */
  remoteName: string;
}

/** dist/thin/umec-thin.mjs, found from dist/roster/ and from the CLI bundle in dist/bundle/ alike. */
export function defaultThinPath(): string {
  return fileURLToPath(new URL('../thin/umec-thin.mjs', import.meta.url));
}

export async function loadThinBundle(path = defaultThinPath()): Promise<ThinBundle> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (e) {
    throw new UmecError('USAGE', { reason: `the thin bundle ${path} is missing (${(e as Error).message}); run npm run build` });
  }
  const sha256 = createHash('sha256').update(data).digest('hex');
  return { path, sha256, size: data.length, remoteName: `umec-thin-${sha256.slice(0, 16)}.mjs` };
}
