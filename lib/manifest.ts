import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * Content hashes of a state tree, the same on the master, the agent and the roster side:
 * a file is its sha256; a tree (manifest) is the sha256 over its sorted (path, file hash) list.
 */
export function sha256File(absPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(absPath).on('error', reject).on('data', (c) => h.update(c)).on('end', () => resolve(h.digest('hex')));
  });
}

export function manifestHash(files: Record<string, string>): string {
  const h = createHash('sha256');
  // code-unit order, not locale order, so every host computes the same hash
  for (const path of Object.keys(files).sort()) h.update(`${path}\0${files[path]}\n`);
  return h.digest('hex');
}
