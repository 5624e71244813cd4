import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../../helpers/context.js';
import { Mp1Harness } from '../../helpers/mp1.js';

function call(url: string, ca: string, o: { method: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method, ca, headers: o.headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += String(c); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.once('error', reject);
    req.end(o.body);
  });
}

describe('Mp1 over TLS', () => {
  it('serves HTTPS with the configured certificate; links and the token endpoint say https', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
      const h = await Mp1Harness.start({ config: { tls: { cert, key } } });
      try {
        assert.match(h.base, /^https:\/\/127\.0\.0\.1:\d+$/);
        const ca = readFileSync(cert, 'utf8');
        const id = await h.server.ensure('app-tls');
        const tok = await call(`${h.base}/oauth/token`, ca, {
          method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id.clientId, client_secret: id.clientSecret }).toString(),
        });
        assert.equal(tok.status, 200);
        const tr = await call(`${h.base}/mec_service_mgmt/v1/transports`, ca, { method: 'GET', headers: { authorization: `Bearer ${tok.body.access_token}` } });
        assert.equal(tr.status, 200);
        assert.equal(tr.body[0].security.oAuth2Info.tokenEndpoint, `${h.base}/oauth/token`);
        await assert.rejects(call(`${h.base}/oauth/token`, '', { method: 'POST' }), /self[- ]signed|unable to verify/i);
      } finally { await h.cleanup(); }
    } finally { await cleanup(); }
  });
});
