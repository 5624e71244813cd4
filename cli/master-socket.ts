import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UmecError } from '../lib/errors.js';
import { masterConfigSchema } from '../master/config-schema.js';

/**
 * Where the master's control socket is: only data_dir is read, because the
 * master validates the whole file when it starts; a client skips the schema
 * (and its start-up cost).
 */
export async function masterSocketPath(file: string): Promise<string> {
  let data: unknown;
  try {
    data = parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UmecError('CONFIG', { file, reason: (e as Error).message.split('\n')[0] });
  }
  const dir = (data as { data_dir?: unknown } | null)?.data_dir ?? masterConfigSchema.properties.data_dir.default;
  if (typeof dir !== 'string' || !dir) throw new UmecError('CONFIG', { file, reason: 'data_dir must be a path' });
  return join(dir, 'master.sock');
}
