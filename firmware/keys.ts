import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import { UmecError } from '../lib/errors.js';

/** Short id of a public key: the first 16 hex digits of the SHA-256 of its SPKI DER. */
export function keyId(pub: KeyObject): string {
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** Writes <prefix>.key (PKCS#8 PEM, 0600) and <prefix>.pub (SPKI PEM); never replaces an existing key. */
export async function generateSigningKey(prefix: string): Promise<{ key: string; pub: string; id: string }> {
  const key = `${prefix}.key`;
  const pub = `${prefix}.pub`;
  for (const f of [key, pub]) {
    if (await access(f).then(() => true, () => false)) throw new UmecError('FW_KEY', { file: f, reason: 'already exists; not replaced' });
  }
  const pair = generateKeyPairSync('ed25519');
  await writeFileAtomic(key, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFileAtomic(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { key, pub, id: keyId(pair.publicKey) };
}

export async function loadSigningKey(file: string): Promise<KeyObject> {
  let pem: string;
  try { pem = await readFile(file, 'utf8'); } catch (e) { throw new UmecError('FW_KEY', { file, reason: `cannot read: ${(e as Error).message}` }); }
  let k: KeyObject;
  try { k = createPrivateKey(pem); } catch (e) { throw new UmecError('FW_KEY', { file, reason: `not a private key: ${(e as Error).message}` }); }
  if (k.asymmetricKeyType !== 'ed25519') throw new UmecError('FW_KEY', { file, reason: `is a ${k.asymmetricKeyType} key; ed25519 is required` });
  return k;
}

export interface Keyring { dir: string; keys: Map<string, KeyObject> }

/** Every *.pub (PEM, ed25519) in `dir`; an unreadable or foreign key is an error, not skipped. */
export async function loadKeyring(dir: string): Promise<Keyring> {
  let names: string[];
  try { names = (await readdir(dir)).filter((n) => n.endsWith('.pub')).sort(); } catch (e) {
    throw new UmecError('FW_KEY', { file: dir, reason: `keyring cannot be read: ${(e as Error).message}` });
  }
  const keys = new Map<string, KeyObject>();
  for (const n of names) {
    const file = join(dir, n);
    let k: KeyObject;
    try { k = createPublicKey(await readFile(file, 'utf8')); } catch (e) { throw new UmecError('FW_KEY', { file, reason: `not a public key: ${(e as Error).message}` }); }
    if (k.asymmetricKeyType !== 'ed25519') throw new UmecError('FW_KEY', { file, reason: `is a ${k.asymmetricKeyType} key; ed25519 is required` });
    keys.set(keyId(k), k);
  }
  return { dir, keys };
}
