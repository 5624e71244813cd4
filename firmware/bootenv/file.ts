import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import type { BootEnv } from './types.js';
import { isNotFound } from '../../lib/errors.js';

/** name=value lines in a plain file, replaced atomically: for tests and boards whose loader reads a file. */
export class FileBootEnv implements BootEnv {
  readonly where: string;
  constructor(private readonly path: string) { this.where = `boot env file ${path}`; }

  async read(): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if (isNotFound(e)) return {};
      throw new Error(`cannot read ${this.where}: ${(e as Error).message}`, { cause: e });
    }
    return parseEnvLines(text);
  }

  async write(vars: Record<string, string>): Promise<void> {
    const env = { ...(await this.read()), ...vars };
    await writeFileAtomic(this.path, Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));
  }
}

/** `name=value` lines (fw_printenv, grub-editenv list and the file driver all print these). */
export function parseEnvLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

/** Names a bootloader script can use safely; values may not span lines. */
export function checkVars(vars: Record<string, string>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`bad boot env variable name ${JSON.stringify(k)}`);
    if (/[\n\0]/.test(v)) throw new Error(`boot env variable ${k} may not contain a newline`);
  }
}
