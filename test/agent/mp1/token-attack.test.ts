import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { curveKeyPair } from 'zeromq';
import { Mp1Harness } from '../../helpers/mp1.js';

const BIN = fileURLToPath(new URL('../../../../cli/bin/run.js', import.meta.url));
const S = '/mec_service_mgmt/v1';
// asynchronous: the Mp1 server runs in this process and must keep answering while the CLI runs
const umec = (...args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
  execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
    resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
  });
});

async function tokenFor(h: Mp1Harness, clientId: string, clientSecret: string): Promise<{ status: number; token?: string }> {
  const r = await fetch(`${h.base}/oauth/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  const body = (await r.json()) as { access_token?: string };
  return { status: r.status, token: body.access_token };
}
const discover = async (h: Mp1Harness, token: string) => (await h.call(token, 'GET', `${S}/services`)).status;
const settle = () => new Promise((r) => setTimeout(r, 1100)); // the agent looks at the identities directory at most once a second

describe('Mp1 credentials rotated or removed revoke their tokens (issue 15, finding 4)', () => {
  it('`umec mp1 app add --rotate` takes effect on the running agent: old secret and old tokens refused, new ones work, other apps untouched', async () => {
    const h = await Mp1Harness.start();
    try {
      const cfg = join(h.dir, 'agent.yaml');
      await writeFile(cfg, stringify({
        id: 'box1', master: '127.0.0.1:4506', master_pubkey: curveKeyPair().publicKey, data_dir: h.dir,
        mp1: { port: h.opts.config.port, bind: '127.0.0.1', traffic: { apply: false } },
      }));
      const add = await umec('mp1', 'app', 'add', 'cam-1', '--config', cfg, '--json');
      assert.equal(add.status, 0, add.stderr);
      const old = JSON.parse(add.stdout) as { clientId: string; clientSecret: string };
      const oldToken = await tokenFor(h, old.clientId, old.clientSecret);
      assert.equal(oldToken.status, 200);
      assert.equal(await discover(h, oldToken.token!), 200);
      const other = await h.token('other-app');

      const rot = await umec('mp1', 'app', 'add', 'cam-1', '--config', cfg, '--rotate', '--json');
      assert.equal(rot.status, 0, rot.stderr);
      const fresh = JSON.parse(rot.stdout) as { clientId: string; clientSecret: string };
      await settle();
      const r = await h.call(oldToken.token, 'GET', `${S}/services`);
      assert.equal(r.status, 401, 'the token of the leaked credentials is revoked');
      assert.match(r.body.detail, /credentials this token was issued for were replaced/);
      assert.equal((await tokenFor(h, old.clientId, old.clientSecret)).status, 401, 'the old secret gets no new token');
      const newToken = await tokenFor(h, fresh.clientId, fresh.clientSecret);
      assert.equal(newToken.status, 200);
      assert.equal(await discover(h, newToken.token!), 200);
      assert.equal((await h.call(newToken.token, 'POST', `${S}/applications/cam-1/services`, { serName: 'cam', version: '1', state: 'ACTIVE', serializer: 'JSON', transportId: 'umec-rest-http' })).status, 201);
      assert.equal(await discover(h, other), 200, 'another app keeps its token');
    } finally { await h.cleanup(); }
  });

  it('an app removed and deployed again under the same instance id does not accept tokens of its former credentials', async () => {
    const h = await Mp1Harness.start();
    try {
      const before = await h.token('app-r');
      const other = await h.token('other-app');
      await h.server.remove('app-r');
      await h.server.ensure('app-r');
      assert.equal(await discover(h, before), 401);
      assert.equal(await discover(h, await h.token('app-r')), 200, 'the new deployment gets its own tokens');
      assert.equal(await discover(h, other), 200);
    } finally { await h.cleanup(); }
  });

  it('identities removed by another process end their tokens within a second', async () => {
    const h = await Mp1Harness.start();
    try {
      const gone = await h.token('app-gone');
      const other = await h.token('other-app');
      await unlink(join(h.dir, 'mp1', 'apps', 'app-gone.json'));
      await settle();
      assert.equal(await discover(h, gone), 401);
      assert.equal(await discover(h, other), 200);
    } finally { await h.cleanup(); }
  });
});
