import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { writeFileAtomic } from './fs-atomic.js';
import { isCurveKey } from './z85.js';

export interface CurvePair { publicKey: string; secretKey: string }

/** The CURVE key pair in <dir>/<name>.pub and <name>.key (0600), made on first use. */
export async function loadOrCreateKeyPair(dir: string, name: string): Promise<CurvePair> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pubPath = join(dir, `${name}.pub`);
  const keyPath = join(dir, `${name}.key`);
  try {
    const [publicKey, secretKey] = (await Promise.all([readFile(pubPath, 'utf8'), readFile(keyPath, 'utf8')])).map((s) => s.trim());
    if (isCurveKey(publicKey) && isCurveKey(secretKey)) return { publicKey, secretKey };
    throw new Error(`damaged key files in ${dir}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const pair = curveKeyPair();
  await writeFileAtomic(keyPath, `${pair.secretKey}\n`, { mode: 0o600 });
  await writeFileAtomic(pubPath, `${pair.publicKey}\n`, { mode: 0o644 });
  return pair;
}
