import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isNotFound } from '../../lib/errors.js';

/**
 * Text files of a system under a root directory ('/' on a box, a temp dir in tests), written
 * in place as Salt writes them (open with truncation: owner, mode and inode stay, which also
 * works for bind-mounted files such as a container's /etc/hosts).
 */
export class RootFiles {
  constructor(readonly root = '/') {}

  /** The real path of an absolute system path. */
  path(abs: string): string {
    return this.root === '/' ? abs : join(this.root, abs);
  }

  /** The file's text, or undefined when it does not exist. */
  async read(abs: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(abs), 'utf8');
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Replaces the file's content; a new file (and missing parent directories) gets `mode`. */
  async write(abs: string, text: string, mode = 0o644): Promise<void> {
    const p = this.path(abs);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, text, { mode });
  }
}
