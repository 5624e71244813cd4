import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { isNotFound, UmecError } from './errors.js';
import { writeFileAtomic } from './fs-atomic.js';
import { x25519Public } from './wire.js';
import { isCurveKey, z85Decode, z85Encode } from './z85.js';

export interface CurvePair { publicKey: string; secretKey: string }

async function readKey(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * The CURVE key pair in <dir>/<name>.pub and <name>.key (0600), made on first
 * use. An existing secret key is never replaced: a lost .pub is derived again
 * from it, and damaged files are an error for the operator, not a new identity.
 */
export async function loadOrCreateKeyPair(dir: string, name: string): Promise<CurvePair> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pubPath = join(dir, `${name}.pub`);
  const keyPath = join(dir, `${name}.key`);
  const secretKey = await readKey(keyPath);
  if (secretKey !== undefined) {
    if (!isCurveKey(secretKey)) throw new UmecError('CONFIG', { file: keyPath, reason: `${keyPath} is damaged (not a Z85 CURVE key); restore it from a backup` });
    const publicKey = z85Encode(x25519Public(z85Decode(secretKey)));
    if ((await readKey(pubPath)) !== publicKey) await writeFileAtomic(pubPath, `${publicKey}\n`, { mode: 0o644 });
    return { publicKey, secretKey };
  }
  if ((await readKey(pubPath)) !== undefined) {
    throw new UmecError('CONFIG', { file: keyPath, reason: `${pubPath} exists but ${keyPath} is missing; refusing to make a new identity (restore the key or remove both files)` });
  }
  const pair = curveKeyPair();
  await writeFileAtomic(keyPath, `${pair.secretKey}\n`, { mode: 0o600 });
  await writeFileAtomic(pubPath, `${pair.publicKey}\n`, { mode: 0o644 });
  return pair;
}
