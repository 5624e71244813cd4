import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { curveKeyPair } from 'zeromq';
import { AccountStore } from '../../../agent/redfish/accounts.js';
import { PASSWORDS, startTestService, type TestService } from '../../helpers/redfish.js';

const BIN = fileURLToPath(new URL('../../../../cli/bin/run.js', import.meta.url));
const SESSIONS = '/redfish/v1/SessionService/Sessions';
const ACCOUNTS = '/redfish/v1/AccountService/Accounts';
const code = (r: { body: Record<string, unknown> }) => (r.body.error as { code: string } | undefined)?.code;

async function login(svc: TestService, user: string, pass: string): Promise<{ status: number; token: string; location: string }> {
  const r = await svc.req('POST', SESSIONS, { body: { UserName: user, Password: pass } });
  return { status: r.status, token: String(r.headers['x-auth-token']), location: String(r.headers.location) };
}
const works = async (svc: TestService, token: string) => (await svc.req('GET', '/redfish/v1/Systems', { token })).status;
const idOf = async (svc: TestService, name: string) => {
  const list = await svc.req('GET', ACCOUNTS, { auth: 'admin' });
  for (const m of list.body.Members as Array<{ '@odata.id': string }>) {
    const a = await svc.req('GET', m['@odata.id'], { auth: 'admin' });
    if (a.body.UserName === name) return String(a.body.Id);
  }
  throw new Error(`no account ${name}`);
};

describe('Redfish sessions end with their credentials (issue 15, finding 6)', () => {
  it('a password set through the API ends every session of that account, and only of that account', async () => {
    const svc = await startTestService();
    try {
      const reader1 = await svc.login('reader');
      const reader2 = await svc.login('reader');
      const op = await svc.login('operator');
      const id = await idOf(svc, 'reader');
      // the reader changes its own password with one of its sessions
      const r = await svc.req('PATCH', `${ACCOUNTS}/${id}`, { token: reader1.token, body: { Password: 'reader-pass-2' } });
      assert.equal(r.status, 200);
      assert.equal(await works(svc, reader1.token), 401, 'the session that changed it ends too');
      assert.equal(await works(svc, reader2.token), 401, 'a session opened with the old password is gone');
      assert.equal((await svc.req('GET', SESSIONS, { auth: 'admin' })).body['Members@odata.count'], 1, 'their places are free');
      assert.equal(await works(svc, op.token), 200, 'other accounts keep their sessions');
      const again = await login(svc, 'reader', 'reader-pass-2');
      assert.equal(again.status, 201);
      assert.equal(await works(svc, again.token), 200);
      // an administrator sets it, to the very same value: still a new credential
      assert.equal((await svc.req('PATCH', `${ACCOUNTS}/${id}`, { auth: 'admin', body: { Password: 'reader-pass-2' } })).status, 200);
      assert.equal(await works(svc, again.token), 401);
      assert.equal(await works(svc, op.token), 200);
    } finally { await svc.close(); }
  });

  it('a role change ends the sessions made under the old role', async () => {
    const svc = await startTestService();
    try {
      const op = await svc.login('operator');
      const id = await idOf(svc, 'operator');
      assert.equal((await svc.req('PATCH', `${ACCOUNTS}/${id}`, { auth: 'admin', body: { RoleId: 'ReadOnly' } })).status, 200);
      assert.equal(await works(svc, op.token), 401);
      const fresh = await svc.login('operator');
      assert.equal(await works(svc, fresh.token), 200);
      assert.equal((await svc.req('PATCH', '/redfish/v1/SessionService', { token: fresh.token, body: { SessionTimeout: 600 } })).status, 403, 'the new session has the new role');
    } finally { await svc.close(); }
  });

  it('`umec redfish user passwd` on the box ends the sessions of a running agent', async () => {
    const svc = await startTestService();
    try {
      const cfg = join(svc.dir, 'agent.yaml');
      await writeFile(cfg, stringify({
        id: 'box1', master: '127.0.0.1:4506', master_pubkey: curveKeyPair().publicKey, data_dir: svc.dir,
        redfish: { bind: '127.0.0.1', accounts_file: join(svc.dir, 'redfish', 'accounts.json') },
      }));
      const reader = await svc.login('reader');
      const admin = await svc.login('admin');
      const r = spawnSync(process.execPath, [BIN, 'redfish', 'user', 'passwd', 'reader', '--password-stdin', '-c', cfg], { encoding: 'utf8', input: 'reader-pass-9\n' });
      assert.equal(r.status, 0, r.stderr);
      await new Promise((res) => setTimeout(res, 1100)); // the agent looks at the accounts file at most once a second
      assert.equal(await works(svc, reader.token), 401);
      assert.equal(await works(svc, admin.token), 200);
      assert.equal((await login(svc, 'reader', PASSWORDS.reader)).status, 401);
      assert.equal((await login(svc, 'reader', 'reader-pass-9')).status, 201);
    } finally { await svc.close(); }
  });

  it('deleting a user and adding the same name as Administrator never hands the old ReadOnly session the new rights', async () => {
    const svc = await startTestService();
    try {
      const admin = await svc.login('admin');
      // removed by another process (the operator's tooling on the box rewrites the accounts file)
      const old = await svc.login('reader');
      const store = await new AccountStore(join(svc.dir, 'redfish', 'accounts.json'), { threshold: 3, duration: 60, resetAfter: 60 }).load();
      await store.remove(store.byName('reader')!.id);
      await new Promise((res) => setTimeout(res, 1100));
      const add = await svc.req('POST', ACCOUNTS, { token: admin.token, body: { UserName: 'reader', Password: 'new-admin-pass-1', RoleId: 'Administrator' } });
      assert.equal(add.status, 201);
      const grab = await svc.req('POST', ACCOUNTS, { token: old.token, body: { UserName: 'intruder', Password: 'intruder-pass-1', RoleId: 'Administrator' } });
      assert.equal(grab.status, 401);
      assert.equal(code(grab), 'Base.1.22.1.NoValidSession');
      // and through the API, where the new account even gets the old one's id
      const old2 = await login(svc, 'reader', 'new-admin-pass-1');
      const id = String(add.body.Id);
      await svc.req('PATCH', `${ACCOUNTS}/${id}`, { token: admin.token, body: { RoleId: 'ReadOnly' } });
      const ro = await login(svc, 'reader', 'new-admin-pass-1');
      assert.equal((await svc.req('DELETE', `${ACCOUNTS}/${id}`, { token: admin.token })).status, 204);
      const readd = await svc.req('POST', ACCOUNTS, { token: admin.token, body: { UserName: 'reader', Password: 'new-admin-pass-1', RoleId: 'Administrator' } });
      assert.equal(readd.body.Id, id, 'same id, same name, same password');
      for (const t of [old2.token, ro.token]) {
        assert.equal((await svc.req('POST', ACCOUNTS, { token: t, body: { UserName: 'intruder', Password: 'intruder-pass-1', RoleId: 'Administrator' } })).status, 401);
      }
      assert.equal(await works(svc, admin.token), 200);
      const list = await svc.req('GET', ACCOUNTS, { auth: 'admin' });
      assert.equal(list.body['Members@odata.count'], 3, 'no intruder account');
    } finally { await svc.close(); }
  });
});

describe('Redfish session limits (issue 15, finding 7)', () => {
  it('a ReadOnly user can open only its own share; everybody else still logs in; the global limit stays', async () => {
    const svc = await startTestService({ config: { session_limit: 12, session_limit_per_account: 8 } });
    try {
      let opened = 0;
      for (let i = 0; i < 20; i++) {
        const r = await svc.req('POST', SESSIONS, { body: { UserName: 'reader', Password: PASSWORDS.reader } });
        if (r.status === 201) { opened++; continue; }
        assert.equal(r.status, 503);
        assert.equal(code(r), 'Base.1.22.1.SessionLimitExceeded');
        break;
      }
      assert.equal(opened, 8);
      const admin = await svc.login('admin');
      assert.equal(await works(svc, admin.token), 200, 'the administrator is not locked out');
      for (let i = 0; i < 3; i++) await svc.login('operator');
      // 8 + 1 + 3 = 12: the global limit holds for everybody
      assert.equal((await login(svc, 'admin', PASSWORDS.admin)).status, 503);
      // the administrator ends the reader's sessions (or they time out): places come back
      const list = await svc.req('GET', SESSIONS, { token: admin.token });
      const readers = [];
      for (const m of list.body.Members as Array<{ '@odata.id': string }>) {
        const s = await svc.req('GET', m['@odata.id'], { token: admin.token });
        if (s.body.UserName === 'reader') readers.push(m['@odata.id']);
      }
      assert.equal(readers.length, 8);
      for (const u of readers) assert.equal((await svc.req('DELETE', u, { token: admin.token })).status, 204);
      assert.equal((await login(svc, 'admin', PASSWORDS.admin)).status, 201);
      assert.equal((await login(svc, 'reader', PASSWORDS.reader)).status, 201);
    } finally { await svc.close(); }
  });
});
