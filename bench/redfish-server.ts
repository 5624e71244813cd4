/**
 * Child process of the redfish benchmark: the agent's Redfish service over HTTPS on
 * 127.0.0.1 and, beside it, a minimal node:https handler answering the same JSON
 * with the same certificate. Prints one JSON line with ports, a session token and paths.
 */
import { createServer } from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountStore } from '../agent/redfish/accounts.js';
import { startRedfishServer } from '../agent/redfish/server.js';
import { createLogger } from '../lib/log.js';
import { freePort } from '../test/helpers/net.js';

const dir = await mkdtemp(join(tmpdir(), 'umec-bench-redfish-'));
const password = 'bench-password-1';
await (await new AccountStore(join(dir, 'redfish', 'accounts.json'), { threshold: 5, duration: 60, resetAfter: 60 }).load())
  .create({ username: 'bench', password, role: 'Administrator' });
const server = await startRedfishServer({
  config: { enabled: true, port: await freePort(), bind: '127.0.0.1', insecure_http: false, session_timeout: 3600, lockout_threshold: 5, lockout_duration: 60, sysfs_root: '/sys' },
  dataDir: dir, systemId: 'bench-box', log: createLogger({ name: 'bench', level: 'silent' }),
  hostname: { get: async () => 'bench-box', set: async () => undefined },
});
const login = await server.app.inject({ method: 'POST', url: '/redfish/v1/SessionService/Sessions', payload: { UserName: 'bench', Password: password } });
const token = String(login.headers['x-auth-token']);
const paths = { systems: '/redfish/v1/Systems/bench-box', sensors: '/redfish/v1/Chassis/bench-box/Sensors' };
const bodies = new Map<string, string>();
for (const p of Object.values(paths)) {
  const r = await server.app.inject({ method: 'GET', url: p, headers: { 'x-auth-token': token } });
  if (r.statusCode !== 200) throw new Error(`GET ${p}: ${r.statusCode} ${r.body}`);
  bodies.set(p, r.body);
}
const tls = join(dir, 'redfish', 'tls');
const minimal = createServer({ key: await readFile(join(tls, 'key.pem')), cert: await readFile(join(tls, 'cert.pem')), noDelay: true, minVersion: 'TLSv1.2' }, (req, res) => {
  const body = bodies.get(req.url ?? '');
  if (!body) { res.writeHead(404).end(); return; }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
});
const minimalPort = await freePort();
await new Promise<void>((r) => minimal.listen(minimalPort, '127.0.0.1', r));
process.stdout.write(`${JSON.stringify({ redfish: server.url, minimal: `https://127.0.0.1:${minimalPort}`, token, paths })}\n`);

const stop = async () => { minimal.close(); await server.close(); await rm(dir, { recursive: true, force: true }); process.exit(0); };
process.stdin.on('end', () => { void stop(); });
process.stdin.resume();
process.once('SIGTERM', () => { void stop(); });
