import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { agentConfigSchema, type AgentConfig } from '../../../agent/config.js';
import { AgentDaemon } from '../../../agent/daemon.js';
import { validateConfig } from '../../../lib/config.js';
import { freePort, startMaster, waitFor, type Fleet } from '../../helpers/fleet.js';

const BIN = fileURLToPath(new URL('../../../../cli/bin/run.js', import.meta.url));
// asynchronous: the master and agent run in this process and must keep answering while the CLI runs
const umec = (...args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
  execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
    resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
  });
});

describe('Mp1 on an agent, seen fleet-wide from the master', () => {
  let f: Fleet;
  let agent: AgentDaemon;
  let cfg: AgentConfig;
  let masterYaml: string;
  let agentYaml: string;

  before(async () => {
    f = await startMaster();
    const port = await freePort();
    cfg = validateConfig<AgentConfig>({ ...f.agentConfig('box1'), mp1: { port, bind: '127.0.0.1', traffic: { apply: false } } }, agentConfigSchema, 'agent.yaml');
    agent = new AgentDaemon(cfg, f.log, { grains: { os: 'Debian' } });
    f.agents.set('box1', agent);
    await agent.start();
    await waitFor(() => f.master.core.keys.get('box1'), 'the key of box1');
    await f.accept('box1');
    await f.startAccepted({ box2: { os: 'Debian' } });
    const m = f.masterConfig;
    masterYaml = join(f.root, 'master.yaml');
    await writeFile(masterYaml, `data_dir: ${m.data_dir}\nstate_root: ${m.state_root}\npillar_root: ${m.pillar_root}\ninterface: 127.0.0.1\npublish_port: ${m.publish_port}\nreturn_port: ${m.return_port}\n`);
    agentYaml = join(f.root, 'agent.yaml');
    await writeFile(agentYaml, `id: box1\nmaster: 127.0.0.1:${m.return_port}\nmaster_pubkey: '${f.master.core.pair.publicKey}'\ndata_dir: ${cfg.data_dir}\nmp1:\n  port: ${port}\n  bind: 127.0.0.1\n`);
  });
  after(async () => { await f.stopAll(); });

  it('umec mp1 app add provisions credentials the running agent accepts; a second add without --rotate is refused', async () => {
    const r = await umec('mp1', 'app', 'add', 'cam-1', '--config', agentYaml, '--json', '--name', 'camera');
    assert.equal(r.status, 0, r.stderr);
    const id = JSON.parse(r.stdout) as { clientId: string; clientSecret: string; endpoint: string; tokenEndpoint: string; appInstanceId: string };
    assert.equal(id.appInstanceId, 'cam-1');
    assert.equal(id.endpoint, agent.mp1!.endpoint());
    const tok = await fetch(id.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id.clientId, client_secret: id.clientSecret }) });
    assert.equal(tok.status, 200);
    const again = await umec('mp1', 'app', 'add', 'cam-1', '--config', agentYaml);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already has credentials; --rotate/);
    assert.equal((await umec('mp1', 'app', 'add', '../etc', '--config', agentYaml)).status, 2);
    const rules = join(f.root, 'rules.yaml');
    await writeFile(rules, 'dnsRules:\n  - dnsRuleId: d1\n    domainName: cam.example\n    ipAddressType: IP_V4\n    ipAddress: 192.0.2.300\n    state: ACTIVE\n');
    const bad = await umec('mp1', 'app', 'add', 'cam-2', '--config', agentYaml, '--rules', rules);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /rules\.yaml: dnsRules\[0\]: ipAddress: "192\.0\.2\.300" is not an IP address/);
    const rot = await umec('mp1', 'app', 'add', 'cam-1', '--config', agentYaml, '--rotate', '--json');
    assert.equal(rot.status, 0, rot.stderr);
    assert.notEqual(JSON.parse(rot.stdout).clientSecret, id.clientSecret);
  });

  it('services registered on a box reach the master (mp1_services grain) and umec mp1 services lists them', async () => {
    const ident = await agent.mp1!.ensure('video-1');
    const tr = await fetch(`${agent.mp1!.endpoint()}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: ident.clientId, client_secret: ident.clientSecret }) });
    const { access_token } = (await tr.json()) as { access_token: string };
    const post = await fetch(`${agent.mp1!.endpoint()}/mec_service_mgmt/v1/applications/video-1/services`, {
      method: 'POST', headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ serName: 'video-analytics', version: '2.1', state: 'ACTIVE', serializer: 'JSON', transportId: 'umec-rest-http' }),
    });
    assert.equal(post.status, 201);
    const serInstanceId = ((await post.json()) as { serInstanceId: string }).serInstanceId;
    await waitFor(() => (f.master.core.agents.get('box1')?.grains.mp1_services as unknown[] | undefined)?.length === 1, 'the master to see the service', 10_000);
    const r = await umec('mp1', 'services', 'box*', '--json', '--config', masterYaml);
    assert.equal(r.status, 0, r.stderr);
    const boxes = JSON.parse(r.stdout) as Record<string, { services: Array<Record<string, unknown>> | null }>;
    assert.deepEqual(Object.keys(boxes).sort(), ['box1', 'box2']);
    assert.equal(boxes.box2.services, null);
    assert.deepEqual(boxes.box1.services, [{ serInstanceId, serName: 'video-analytics', version: '2.1', state: 'ACTIVE', appInstanceId: 'video-1', transport: 'REST_HTTP' }]);
    const human = await umec('mp1', 'services', 'box1', '-L', '--config', masterYaml);
    assert.match(human.stdout, /box1: 1 service\n\s+video-analytics 2\.1 ACTIVE {2}app=video-1/);
    assert.match(human.stdout, /^box1/m);

    await agent.mp1!.remove('video-1');
    await waitFor(() => (f.master.core.agents.get('box1')?.grains.mp1_services as unknown[] | undefined)?.length === 0, 'the master to see the removal', 10_000);
    const bad = await umec('mp1', 'services', 'x', '-G', '--config', masterYaml);
    assert.equal(bad.status, 2);
  });
});
