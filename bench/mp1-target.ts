/**
 * A process the mp1 benchmark loads: `mp1` runs the Mp1 server with 1,000
 * registered services; `minimal` runs a bare node:http JSON handler. Either
 * sends {url, ...} over IPC once it listens, and exits when the parent disconnects.
 */
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mp1Server } from '../agent/mp1/server.js';
import { createLogger } from '../lib/log.js';
import { freePort } from '../test/helpers/net.js';
import { defaultConfig } from '../test/helpers/mp1.js';

const mode = process.argv[2];

if (mode === 'minimal') {
  const body = JSON.stringify([{ serInstanceId: 'x', serName: 'svc-500', version: '1', state: 'ACTIVE' }]);
  const srv = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); });
  srv.listen(0, '127.0.0.1', () => {
    const a = srv.address() as { port: number };
    process.send!({ url: `http://127.0.0.1:${a.port}` });
  });
  process.on('disconnect', () => process.exit(0));
} else {
  const dir = await mkdtemp(join(tmpdir(), 'umec-bench-mp1-'));
  const server = await Mp1Server.open({
    config: defaultConfig({ port: await freePort(), rate_limit: 0, traffic: { apply: false } }), dataDir: dir,
    log: createLogger({ name: 'bench-mp1', level: 'fatal' }), nftMode: 'off',
  });
  await server.listen();
  const id = await server.ensure('bench-app');
  await Promise.all(Array.from({ length: 1000 }, (_, i) => server.services.register('bench-app', {
    serName: `svc-${i}`, version: '1.0', state: 'ACTIVE', serializer: 'JSON', transportId: 'umec-rest-http',
  })));
  process.send!({ url: server.baseUrl, clientId: id.clientId, clientSecret: id.clientSecret });
  process.on('disconnect', () => { void server.close().then(() => rm(dir, { recursive: true, force: true })).finally(() => process.exit(0)); });
}
