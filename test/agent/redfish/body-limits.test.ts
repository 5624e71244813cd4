import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestService, type TestService } from '../../helpers/redfish.js';

let svc: TestService;
before(async () => { svc = await startTestService(); });
after(async () => { await svc.close(); });

const code = (r: { body: Record<string, unknown> }) => (r.body.error as { code: string } | undefined)?.code;
const deepJson = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const SS = '/redfish/v1/SessionService';

test('a body nested 30,000 deep (60 KB, under the size limit) is 400 with a Redfish error on every writable resource, and logins keep working (issue 15, finding 2)', async () => {
  const admin = await svc.login('admin');
  const attacks: Array<[string, string, string, string | undefined]> = [
    ['POST', `${SS}/Sessions`, `{"UserName":"admin","Password":${deepJson(30_000)}}`, undefined],
    ['PATCH', SS, `{"SessionTimeout":${deepJson(30_000)}}`, admin.token],
    ['PATCH', '/redfish/v1/AccountService/Accounts/3', `{"RoleId":${deepJson(30_000)}}`, admin.token],
    ['POST', '/redfish/v1/AccountService/Accounts', `{"UserName":"x","Password":"password-1","RoleId":"ReadOnly","Oem":${deepJson(30_000)}}`, admin.token],
  ];
  for (const [method, path, raw, token] of attacks) {
    const r = await svc.req(method, path, { raw, token });
    assert.equal(r.status, 400, `${method} ${path}: ${r.text.slice(0, 300)}`);
    assert.equal(code(r), 'Base.1.22.1.GeneralError', `${method} ${path}`);
    assert.match(r.text, /nested deeper than 32 levels/);
  }
  // over the size limit: 413 PayloadTooLarge
  const big = await svc.req('POST', `${SS}/Sessions`, { raw: JSON.stringify({ UserName: 'admin', Password: 'x'.repeat(70 * 1024) }) });
  assert.equal(big.status, 413);
  assert.equal(code(big), 'Base.1.22.1.PayloadTooLarge');
  // legitimate users lose nothing
  const again = await svc.login('reader');
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { token: again.token })).status, 200);
  assert.equal((await svc.req('PATCH', SS, { body: { SessionTimeout: 600 }, token: admin.token })).status, 200);
});
