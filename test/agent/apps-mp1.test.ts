import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agentConfigSchema, type AgentConfig } from '../../agent/config.js';
import { AgentDaemon } from '../../agent/daemon.js';
import { validateConfig } from '../../lib/config.js';
import { demoAppYaml } from '../helpers/app-package.js';
import { Fleet, waitFor } from '../helpers/fleet.js';
import { freePort } from '../helpers/net.js';
import { PrivatePodman, podmanMissing } from '../helpers/podman.js';

let pm: PrivatePodman;
let fleet: Fleet;
let agent: AgentDaemon;
let mp1Port: number;

before(async () => {
  if (podmanMissing()) return;
  pm = await PrivatePodman.start();
  fleet = await Fleet.startMaster({ states: { 'apps.sls': 'demo:\n  app.deployed:\n    - source: umec://pkgs/demo\n    - grace_period: 3\n' }, timeout: 60 });
  const pkg = join(fleet.stateRoot, 'pkgs', 'demo');
  await mkdir(join(pkg, 'images'), { recursive: true });
  await pm.buildImage('localhost/demo/base:1', { marker: 'mp1-identity' });
  await pm.saveImage('localhost/demo/base:1', join(pkg, 'images', 'base.tar'));
  await writeFile(join(pkg, 'app.yaml'), demoAppYaml());
  mp1Port = await freePort();
  const base = fleet.agentConfig('box1');
  const conf = validateConfig<AgentConfig>({
    id: base.id, master: [...base.master], master_pubkey: base.master_pubkey, data_dir: base.data_dir, acceptance_wait_time: 0.2, reconnect_max: 1,
    containers: { socket: pm.socket }, mp1: { port: mp1Port, bind: '127.0.0.1' },
  }, agentConfigSchema, 'agent.yaml');
  agent = new AgentDaemon(conf, fleet.log, { grains: { os: 'Debian' } });
  fleet.agents.set('box1', agent);
  await agent.start();
  await waitFor(() => fleet.master.core.keys.get('box1'), 'the key of box1');
  await fleet.accept('box1');
});
after(async () => { await fleet?.stopAll(); await pm?.stop(); });

test('an app deployed on a box with Mp1 gets credentials from the Mp1 server: its containers can get a bearer token', { skip: podmanMissing(), timeout: 180_000 }, async () => {
  const r = await fleet.runJob({ fun: 'apply', args: { sls: ['apps'] }, tgt: 'box1', tgt_type: 'list', timeout: 60 }, 90_000);
  const ret = r.returns.get('box1');
  assert.equal(ret?.success, true, JSON.stringify(ret?.ret));
  const inspect = JSON.parse(await pm.podman('inspect', '--type', 'container', 'demo-web'))[0] as { Config: { Env: string[] } };
  const env = Object.fromEntries(inspect.Config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  assert.equal(env.MEC_MP1_ENDPOINT, `http://127.0.0.1:${mp1Port}`);
  const token = await fetch(`${env.MEC_MP1_ENDPOINT}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${env.MEC_APP_CLIENT_ID}:${env.MEC_APP_CLIENT_SECRET}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  assert.equal(token.status, 200, await token.clone().text());
  const { access_token: bearer } = await token.json() as { access_token: string };
  const own = await fetch(`${env.MEC_MP1_ENDPOINT}/mec_service_mgmt/v1/applications/${env.MEC_APP_INSTANCE_ID}/services`, { headers: { authorization: `Bearer ${bearer}` } });
  assert.equal(own.status, 200);
  const wrong = await fetch(`${env.MEC_MP1_ENDPOINT}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${env.MEC_APP_CLIENT_ID}:not-the-secret`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  assert.equal(wrong.status, 401);
});
