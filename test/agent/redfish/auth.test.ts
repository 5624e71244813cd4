import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FirmwareEngineDouble } from '../../doubles/firmware-engine.js';
import { PASSWORDS, startTestService, type TestService } from '../../helpers/redfish.js';

let svc: TestService;
before(async () => { svc = await startTestService({ firmware: new FirmwareEngineDouble() }); });
after(async () => { await svc.close(); });

const code = (r: { body: Record<string, unknown> }) => (r.body.error as { code: string } | undefined)?.code;

test('only /redfish, /redfish/v1/, $metadata and odata answer without credentials; everything else is 401 with a Redfish error', async () => {
  // DSP0266: the service root, the CSDL and the OData service document are public
  for (const path of ['/redfish', '/redfish/v1/', '/redfish/v1/$metadata', '/redfish/v1/odata']) assert.equal((await svc.req('GET', path)).status, 200, path);
  for (const path of ['/redfish/v1/Systems', '/redfish/v1/Systems/box1',
    '/redfish/v1/SessionService/Sessions', '/redfish/v1/AccountService/Accounts', '/redfish/v1/Chassis/box1/Sensors', '/redfish/v1/NoSuchThing']) {
    const r = await svc.req('GET', path);
    assert.equal(r.status, 401, path);
    assert.equal(code(r), 'Base.1.22.1.NoValidSession', path);
    assert.match(String(r.headers['www-authenticate']), /^Basic /);
  }
  // mutations too, before their bodies are even looked at
  const reset = await svc.req('POST', '/redfish/v1/Systems/box1/Actions/ComputerSystem.Reset', { raw: '{not json' });
  assert.equal(reset.status, 401);
  assert.deepEqual(svc.power.resets, []);
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { auth: { user: 'admin', pass: 'wrong-password' } })).status, 401);
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { token: 'made-up-token' })).status, 401);
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { headers: { authorization: 'Basic !!!' } })).status, 401);
});

test('Basic auth and sessions: POST returns X-Auth-Token and Location, the token works, DELETE logs out', async () => {
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { auth: 'reader' })).status, 200);
  const r = await svc.req('POST', '/redfish/v1/SessionService/Sessions', { body: { UserName: 'operator', Password: PASSWORDS.operator } });
  assert.equal(r.status, 201);
  const token = String(r.headers['x-auth-token']);
  assert.ok(token.length >= 40);
  assert.match(String(r.headers.location), /^\/redfish\/v1\/SessionService\/Sessions\/\w+$/);
  assert.equal(r.body['@odata.id'], r.headers.location);
  assert.equal(r.body.UserName, 'operator');
  assert.equal(r.body.Password, null);
  const mine = await svc.req('GET', String(r.headers.location), { token });
  assert.equal(mine.status, 200);
  assert.equal((await svc.req('GET', '/redfish/v1/Systems/box1', { token })).status, 200);
  // another user's session is not the operator's to see or end
  const admin = await svc.login('admin');
  assert.equal((await svc.req('GET', admin.location, { token })).status, 403);
  assert.equal((await svc.req('DELETE', admin.location, { token })).status, 403);
  const list = await svc.req('GET', '/redfish/v1/SessionService/Sessions', { token });
  assert.deepEqual((list.body.Members as Array<{ '@odata.id': string }>).map((m) => m['@odata.id']), [r.headers.location]);
  assert.equal((await svc.req('DELETE', String(r.headers.location), { token })).status, 204);
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { token })).status, 401);
  // the administrator can end anybody's session
  const reader = await svc.login('reader');
  assert.equal((await svc.req('DELETE', reader.location, { token: admin.token })).status, 204);
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { token: reader.token })).status, 401);
});

test('a wrong password at session login is 401 and never echoed', async () => {
  const r = await svc.req('POST', '/redfish/v1/SessionService/Sessions', { body: { UserName: 'operator', Password: 'not-the-password' } });
  assert.equal(r.status, 401);
  assert.ok(!r.text.includes('not-the-password'));
  const short = await svc.req('POST', '/redfish/v1/AccountService/Accounts', { auth: 'admin', body: { UserName: 'shorty', Password: 'abc', RoleId: 'ReadOnly' } });
  assert.equal(short.status, 400);
  assert.ok(!short.text.includes('"abc"') && !short.text.includes("'abc'"), short.text);
});

test('sessions time out after SessionTimeout seconds without a request', async () => {
  const { token } = await svc.login('reader');
  const sessions = svc.server.deps.sessions;
  const s = sessions.list().find((x) => x.token === token)!;
  s.lastUsed -= (sessions.timeout + 1) * 1000; // as if the client had been idle that long
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { token })).status, 401);
  assert.equal(sessions.list().some((x) => x.token === token), false);
});

test('repeated failures lock the account for a while, even for the right password; an administrator can unlock', async () => {
  await svc.req('POST', '/redfish/v1/AccountService/Accounts', { auth: 'admin', body: { UserName: 'victim', Password: 'victim-pass-1', RoleId: 'ReadOnly' } });
  for (let i = 0; i < 3; i++) assert.equal((await svc.req('GET', '/redfish/v1/Systems', { auth: { user: 'victim', pass: `guess-${i}` } })).status, 401);
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { auth: { user: 'victim', pass: 'victim-pass-1' } })).status, 401);
  const accounts = await svc.req('GET', '/redfish/v1/AccountService/Accounts', { auth: 'admin' });
  const uris = (accounts.body.Members as Array<{ '@odata.id': string }>).map((m) => m['@odata.id']);
  let victim = '';
  for (const u of uris) if ((await svc.req('GET', u, { auth: 'admin' })).body.UserName === 'victim') victim = u;
  const before = await svc.req('GET', victim, { auth: 'admin' });
  assert.equal(before.body.Locked, true);
  const unlock = await svc.req('PATCH', victim, { auth: 'admin', body: { Locked: false } });
  assert.equal(unlock.status, 200);
  assert.equal(unlock.body.Locked, false);
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { auth: { user: 'victim', pass: 'victim-pass-1' } })).status, 200);
  // locking is a service decision: a client may only unlock
  assert.equal((await svc.req('PATCH', victim, { auth: 'admin', body: { Locked: true } })).status, 400);
});

test('roles: ReadOnly cannot reset, update or change anything; Operator can reset and update; only Administrator manages accounts', async () => {
  const mutations: Array<{ method: string; path: string; body?: unknown; min: 'Operator' | 'Administrator' }> = [
    { method: 'POST', path: '/redfish/v1/Systems/box1/Actions/ComputerSystem.Reset', body: { ResetType: 'GracefulRestart' }, min: 'Operator' },
    { method: 'PATCH', path: '/redfish/v1/Systems/box1', body: { AssetTag: 'rack-7' }, min: 'Operator' },
    { method: 'POST', path: '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate', body: { ImageURI: '/nonexistent/image.bin' }, min: 'Operator' },
    { method: 'PATCH', path: '/redfish/v1/SessionService', body: { SessionTimeout: 600 }, min: 'Administrator' },
    { method: 'POST', path: '/redfish/v1/AccountService/Accounts', body: { UserName: 'newbie', Password: 'newbie-pass-1', RoleId: 'ReadOnly' }, min: 'Administrator' },
    { method: 'PATCH', path: '/redfish/v1/AccountService/Accounts/1', body: { RoleId: 'Administrator' }, min: 'Administrator' },
    { method: 'DELETE', path: '/redfish/v1/AccountService/Accounts/2', min: 'Administrator' },
  ];
  for (const m of mutations) {
    const users: Array<keyof typeof PASSWORDS> = m.min === 'Operator' ? ['reader'] : ['reader', 'operator'];
    for (const user of users) {
      const r = await svc.req(m.method, m.path, { auth: user, body: m.body });
      assert.equal(r.status, 403, `${user} ${m.method} ${m.path}: ${r.text}`);
      assert.equal(code(r), 'Base.1.22.1.InsufficientPrivilege');
    }
  }
  assert.deepEqual(svc.power.resets, []);
  assert.deepEqual(svc.hostname.set_, []);
  const reset = await svc.req('POST', '/redfish/v1/Systems/box1/Actions/ComputerSystem.Reset', { auth: 'operator', body: { ResetType: 'GracefulRestart' } });
  assert.equal(reset.status, 200);
  assert.deepEqual(svc.power.resets, ['GracefulRestart']);
  const tag = await svc.req('PATCH', '/redfish/v1/Systems/box1', { auth: 'operator', body: { AssetTag: 'rack-7', HostName: 'edge-7' } });
  assert.equal(tag.status, 200);
  assert.equal(tag.body.AssetTag, 'rack-7');
  assert.deepEqual(svc.hostname.set_, ['edge-7']);
  const created = await svc.req('POST', '/redfish/v1/AccountService/Accounts', { auth: 'admin', body: { UserName: 'newbie', Password: 'newbie-pass-1', RoleId: 'ReadOnly' } });
  assert.equal(created.status, 201);
  assert.equal(created.headers.location, created.body['@odata.id']);
  assert.equal((await svc.req('POST', '/redfish/v1/AccountService/Accounts', { auth: 'admin', body: { UserName: 'newbie', Password: 'newbie-pass-1', RoleId: 'ReadOnly' } })).status, 409);
  assert.equal((await svc.req('DELETE', String(created.headers.location), { auth: 'admin' })).status, 204);
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { auth: { user: 'newbie', pass: 'newbie-pass-1' } })).status, 401);
});

test('a ReadOnly user changes their own password and nothing else; the store keeps only an scrypt hash, 0600, atomically', async () => {
  const me = await svc.req('GET', '/redfish/v1/AccountService/Accounts', { auth: 'reader' });
  const uris = (me.body.Members as Array<{ '@odata.id': string }>).map((m) => m['@odata.id']);
  assert.equal(uris.length, 1, 'a ReadOnly user sees only their own account');
  assert.equal((await svc.req('PATCH', uris[0], { auth: 'reader', body: { RoleId: 'Administrator' } })).status, 403);
  assert.equal((await svc.req('PATCH', '/redfish/v1/AccountService/Accounts/1', { auth: 'reader', body: { Password: 'hijack-pass-1' } })).status, 403);
  const ok = await svc.req('PATCH', uris[0], { auth: 'reader', body: { Password: 'reader-pass-2' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.Password, null);
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { auth: 'reader' })).status, 401);
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { auth: { user: 'reader', pass: 'reader-pass-2' } })).status, 200);
  const file = join(svc.dir, 'redfish', 'accounts.json');
  const text = await readFile(file, 'utf8');
  assert.ok(!text.includes('reader-pass-2') && !text.includes(PASSWORDS.admin));
  assert.match(text, /"hash": "scrypt\$16384\$8\$1\$/);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  // put it back for the other tests
  await svc.req('PATCH', uris[0], { auth: 'admin', body: { Password: PASSWORDS.reader } });
});

test('the last enabled Administrator can be neither deleted nor demoted', async () => {
  const r = await svc.req('DELETE', '/redfish/v1/AccountService/Accounts/1', { auth: 'admin' });
  assert.equal(r.status, 409);
  const d = await svc.req('PATCH', '/redfish/v1/AccountService/Accounts/1', { auth: 'admin', body: { RoleId: 'ReadOnly' } });
  assert.equal(d.status, 409);
  assert.equal((await svc.req('GET', '/redfish/v1/Systems', { auth: 'admin' })).status, 200);
});

test('SessionTimeout is PATCHable by an Administrator, range-checked and kept on disk', async () => {
  const r = await svc.req('PATCH', '/redfish/v1/SessionService', { auth: 'admin', body: { SessionTimeout: 600 } });
  assert.equal(r.status, 200);
  assert.equal(r.body.SessionTimeout, 600);
  assert.equal(svc.server.deps.sessions.timeout, 600);
  assert.equal(JSON.parse(await readFile(join(svc.dir, 'redfish', 'settings.json'), 'utf8')).sessionTimeout, 600);
  const bad = await svc.req('PATCH', '/redfish/v1/SessionService', { auth: 'admin', body: { SessionTimeout: 5 } });
  assert.equal(bad.status, 400);
  assert.equal(code(bad), 'Base.1.22.1.PropertyValueOutOfRange');
});
