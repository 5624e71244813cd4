import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { curveKeyPair } from 'zeromq';
import { stringify } from 'yaml';
import { AgentDaemon } from '../../../agent/daemon.js';
import { loadAgentConfig } from '../../../agent/config.js';
import { createLogger } from '../../../lib/log.js';
import { tempDir } from '../../helpers/context.js';
import { freePort } from '../../helpers/net.js';
import { redfishSchemas } from '../../helpers/redfish.js';
import { RecordingPower } from '../../doubles/recording-power.js';

const BIN = fileURLToPath(new URL('../../../../cli/bin/run.js', import.meta.url));
const umec = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

function get(url: string, ca: string, auth: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, { ca, agent: false, headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> }));
    }).on('error', reject).end();
  });
}

test('agent.yaml redfish: → the daemon serves HTTPS with a self-signed cert made once in data_dir; `umec redfish user add` makes the first admin', async () => {
  const { dir, cleanup } = await tempDir('umec-rfdaemon-');
  const port = await freePort();
  const cfgFile = join(dir, 'agent.yaml');
  await writeFile(cfgFile, stringify({
    id: 'edge-1', master: `127.0.0.1:${await freePort()}`, master_pubkey: curveKeyPair().publicKey, data_dir: join(dir, 'data'),
    request_timeout: 1, redfish: { port, bind: '127.0.0.1' },
  }));
  // before the agent ever ran: the operator creates the first Administrator, the password is printed once
  const add = umec(['redfish', 'user', 'add', 'root', '--role', 'Administrator', '--json', '-c', cfgFile]);
  assert.equal(add.code, 0, add.stderr);
  const { password } = JSON.parse(add.stdout) as { password: string };
  assert.match(password, /^[A-Za-z0-9]{20}$/);
  assert.equal(umec(['redfish', 'user', 'add', 'root', '--role', 'Operator', '-c', cfgFile]).code, 2, 'an existing user is an input error');
  assert.equal(umec(['redfish', 'user', 'add', 'bad name', '--role', 'Operator', '-c', cfgFile]).code, 2);

  const log = createLogger({ name: 'agent-test', level: 'silent' });
  const start = async () => {
    const d = new AgentDaemon(await loadAgentConfig(cfgFile), log, { grains: { os: 'test' }, power: new RecordingPower() });
    await d.start();
    return d;
  };
  let agent = await start();
  try {
    assert.ok(agent.redfish, 'Redfish started');
    const certFile = join(dir, 'data', 'redfish', 'tls', 'cert.pem');
    const cert = await readFile(certFile, 'utf8');
    assert.equal((await stat(join(dir, 'data', 'redfish', 'tls', 'key.pem'))).mode & 0o777, 0o600);
    const x = new X509Certificate(cert);
    assert.ok(x.checkIP('127.0.0.1'), 'the certificate names 127.0.0.1');
    assert.equal(agent.redfish.fingerprint, x.fingerprint256);
    const url = `https://127.0.0.1:${port}/redfish/v1/Systems/edge-1`;
    const r = await get(url, cert, `root:${password}`);
    assert.equal(r.status, 200);
    redfishSchemas().validate(r.body, 'GET Systems/edge-1 from the daemon');
    assert.equal((await get(url, cert, 'root:wrong-password')).status, 401);

    // a user added while the agent runs can log in a moment later; the password came on stdin
    const op = umec(['redfish', 'user', 'add', 'ops', '--role', 'Operator', '--password-stdin', '-c', cfgFile], 'ops-password-1\n');
    assert.equal(op.code, 0, op.stderr);
    assert.ok(!op.stdout.includes('ops-password-1'));
    await new Promise((res) => setTimeout(res, 1100));
    assert.equal((await get(url, cert, 'ops:ops-password-1')).status, 200);
    const list = umec(['redfish', 'user', 'list', '--json', '-c', cfgFile]);
    assert.deepEqual((JSON.parse(list.stdout) as Array<{ username: string }>).map((a) => a.username), ['root', 'ops']);

    // restart: the same certificate, not a new one
    await agent.stop();
    agent = await start();
    assert.equal(await readFile(certFile, 'utf8'), cert);
    assert.equal((await get(url, cert, `root:${password}`)).status, 200);
  } finally {
    await agent.stop();
    await cleanup();
  }
});

test('agent.yaml redfish: bad settings are named with file and line; a damaged accounts file stops the start instead of being replaced', async () => {
  const { dir, cleanup } = await tempDir('umec-rfdaemon-');
  try {
    const cfgFile = join(dir, 'agent.yaml');
    const base = { id: 'edge-1', master: '127.0.0.1:1', master_pubkey: curveKeyPair().publicKey, data_dir: join(dir, 'data') };
    await writeFile(cfgFile, stringify({ ...base, redfish: { port: 70000, tls: { cert: '/x.pem' } } }));
    await assert.rejects(loadAgentConfig(cfgFile), (e: Error) => /agent\.yaml:\d+: redfish\.port/.test(e.message) && /redfish\.tls\.key is required/.test(e.message));
    await writeFile(cfgFile, stringify({ ...base, redfish: { port: await freePort(), bind: '127.0.0.1' } }));
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'data', 'redfish'), { recursive: true });
    const accounts = join(dir, 'data', 'redfish', 'accounts.json');
    await writeFile(accounts, '{"accounts": [ {"id": "1", "username": "root"');
    const d = new AgentDaemon(await loadAgentConfig(cfgFile), createLogger({ name: 't', level: 'silent' }), { grains: { os: 'test' } });
    await assert.rejects(d.start(), /Redfish accounts file .*accounts\.json: not JSON/);
    await d.stop();
    assert.equal(await readFile(accounts, 'utf8'), '{"accounts": [ {"id": "1", "username": "root"');
    const r = umec(['redfish', 'user', 'list', '-c', cfgFile]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /accounts\.json: not JSON: .*\[REDFISH_ACCOUNTS\]/);
  } finally { await cleanup(); }
});

