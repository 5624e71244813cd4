import { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { isNotFound, UmecError } from '../../lib/errors.js';

export interface TlsMaterial { key: string; cert: string; fingerprint: string; generated: boolean; certFile: string }

async function readPem(file: string): Promise<string | undefined> {
  try { return await readFile(file, 'utf8'); } catch (e) {
    if (isNotFound(e)) return undefined;
    throw new UmecError('REDFISH_TLS', { file, reason: (e as Error).message });
  }
}

function fingerprintOf(cert: string, file: string): string {
  try { return new X509Certificate(cert).fingerprint256; } catch (e) {
    throw new UmecError('REDFISH_TLS', { file, reason: `not a PEM certificate: ${(e as Error).message}` });
  }
}

/**
 * The configured certificate and key, or a self-signed pair made on first start
 * under `dir` (key 0600) and reused afterwards. A configured pair that cannot be
 * read is an error: the service never falls back to a different identity silently.
 */
export async function loadOrCreateTls(o: { cert?: string; key?: string; dir: string }): Promise<TlsMaterial> {
  if (o.cert || o.key) {
    if (!o.cert || !o.key) throw new UmecError('REDFISH_TLS', { file: o.cert ?? o.key, reason: 'redfish.tls needs both cert and key' });
    const [cert, key] = [await readPem(o.cert), await readPem(o.key)];
    if (!cert) throw new UmecError('REDFISH_TLS', { file: o.cert, reason: 'missing' });
    if (!key) throw new UmecError('REDFISH_TLS', { file: o.key, reason: 'missing' });
    return { cert, key, fingerprint: fingerprintOf(cert, o.cert), generated: false, certFile: o.cert };
  }
  const certFile = join(o.dir, 'cert.pem');
  const keyFile = join(o.dir, 'key.pem');
  const [cert, key] = [await readPem(certFile), await readPem(keyFile)];
  if (cert && key) return { cert, key, fingerprint: fingerprintOf(cert, certFile), generated: false, certFile };
  const host = hostname();
  const notAfterDate = new Date(Date.now() + 10 * 365 * 86400_000);
  const pems = await generate([{ name: 'commonName', value: host }, { name: 'organizationName', value: 'umec agent' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: host }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  // key first: a cert without its key on disk would be unusable after a crash
  await writeFileAtomic(keyFile, pems.private, { mode: 0o600 });
  await writeFileAtomic(certFile, pems.cert, { mode: 0o644 });
  return { cert: pems.cert, key: pems.private, fingerprint: fingerprintOf(pems.cert, certFile), generated: true, certFile };
}
