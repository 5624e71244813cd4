import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentDaemon } from '../../agent/daemon.js';
import type { RunResults } from '../../states/types.js';
import { Fleet, waitFor, within } from '../helpers/fleet.js';
import { PrivatePodman, podmanMissing } from '../helpers/podman.js';
import { demoAppYaml } from '../helpers/app-package.js';

const BIN = fileURLToPath(new URL('../../../cli/bin/run.js', import.meta.url));

/** Runs the CLI without blocking this process: the master it talks to runs in this process. */
function umec(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

describe('apps through the master: on-board with the CLI, deploy with an apply job, packages fetched by hash once', { skip: podmanMissing(), concurrency: false, timeout: 180_000 }, () => {
  let pm: PrivatePodman;
  let fleet: Fleet;
  let agent: AgentDaemon;
  let cfg: string;
  let pkg: string;

  before(async () => {
    pm = await PrivatePodman.start();
    fleet = await Fleet.startMaster({
      states: {
        'apps.sls': 'demo:\n  app.deployed:\n    - grace_period: 3\n',
        'gone.sls': 'demo:\n  app.absent: []\n',
        'other.sls': 'nosuch:\n  app.deployed: []\n',
      },
      timeout: 60,
    });
    cfg = join(fleet.root, 'master.yaml');
    await writeFile(cfg, `data_dir: ${fleet.masterConfig.data_dir}\n`);
    pkg = join(fleet.root, 'pkg');
    await mkdir(join(pkg, 'images'), { recursive: true });
    await pm.buildImage('localhost/demo/base:1', { marker: 'agent-demo' });
    await pm.saveImage('localhost/demo/base:1', join(pkg, 'images', 'base.tar'));
    await pm.podman('rmi', 'localhost/demo/base:1');
    await writeFile(join(pkg, 'app.yaml'), demoAppYaml());
    const conf = fleet.agentConfig('box1');
    agent = new AgentDaemon({ ...conf, containers: { socket: pm.socket, mp1_endpoint: 'https://127.0.0.1:8081' } }, fleet.log, { grains: { os: 'Debian' } });
    fleet.agents.set('box1', agent);
    await agent.start();
    await waitFor(() => fleet.master.core.keys.get('box1'), 'the key of box1');
    await fleet.accept('box1');
  });
  after(async () => { await fleet?.stopAll(); await pm?.stop(); });

  const apply = async (sls: string) => {
    const r = await fleet.runJob({ fun: 'apply', args: { sls: [sls] }, tgt: 'box1', tgt_type: 'list', timeout: 60 }, 90_000);
    const ret = r.returns.get('box1');
    assert.ok(ret, 'box1 returned');
    return ret;
  };

  test('umec app onboard stores the package; umec app list shows it; a bad package is refused with file and line', async () => {
    const r = await umec(['app', 'onboard', pkg, '--config', cfg]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /On-boarded: demo 1\.0\.0 \(3 containers, 1 image tarballs/);
    const list = JSON.parse((await umec(['app', 'list', '--json', '--config', cfg])).stdout) as { name: string; version: string }[];
    assert.deepEqual(list.map((a) => `${a.name}@${a.version}`), ['demo@1.0.0']);
    assert.match((await umec(['app', 'list', '--config', cfg])).stdout, /^NAME\s+VERSION\s+CONTAINERS[\s\S]*demo\s+1\.0\.0\s+web,api,worker/m);
    assert.match((await umec(['app', 'onboard', pkg, '--config', cfg])).stdout, /Already on-boarded/);

    const badPkg = join(fleet.root, 'bad');
    await mkdir(badPkg, { recursive: true });
    await writeFile(join(badPkg, 'app.yaml'), 'name: demo\nversion: "2"\ncontainers:\n  - name: web\n    image: x\n    cpus: lots\n');
    const bad = await umec(['app', 'onboard', badPkg, '--config', cfg]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, new RegExp(`${badPkg}/app\\.yaml:6: containers\\.0\\.cpus must be number`));
    assert.equal(JSON.parse((await umec(['app', 'list', '--json', '--config', cfg])).stdout).length, 1);
  });

  test('app.deployed on the agent fetches the package from the master and starts three containers', async () => {
    const ret = await apply('apps');
    assert.equal(ret.success, true, JSON.stringify(ret.ret));
    const r = Object.values(ret.ret as RunResults)[0];
    assert.deepEqual(r.changes, { version: '1.0.0', containers: { 'demo-api': 'created', 'demo-web': 'created', 'demo-worker': 'created' } });
    const fetched = agent.apps.bytesFetched;
    assert.ok(fetched > 1_000_000, `the image tarball came from the master (${fetched} bytes)`);
    // it came in 1 MiB pieces into a temp file, renamed into the blob cache under its hash once it checked out
    const tarHash = createHash('sha256').update(await readFile(join(pkg, 'images', 'base.tar'))).digest('hex');
    const blobs = await readdir(join(fleet.agentDir('box1'), 'cache', 'files'));
    assert.ok(blobs.includes(tarHash), blobs.join(' '));
    assert.deepEqual(blobs.filter((b) => b.endsWith('.tmp') || b.endsWith('.part')), []);
    assert.equal(fetched, (await stat(join(pkg, 'images', 'base.tar'))).size, 'the tarball, once, and nothing else');
    const ps = await pm.podman('ps', '--format', '{{.Names}} {{.Labels}}');
    for (const c of ['demo-web', 'demo-api', 'demo-worker']) assert.match(ps, new RegExp(`^${c} .*umec.app:demo`, 'm'));
    const env = await pm.podman('exec', 'demo-api', 'env');
    assert.match(env, /^MEC_APP_INSTANCE_ID=[0-9a-f-]{36}$/m);
    assert.match(env, /^MEC_MP1_ENDPOINT=https:\/\/127\.0\.0\.1:8081$/m);
  });

  test('a second apply changes nothing and transfers nothing', async () => {
    const before = agent.apps.bytesFetched;
    const ret = await apply('apps');
    assert.equal(ret.success, true);
    const r = Object.values(ret.ret as RunResults)[0];
    assert.deepEqual(r.changes, {});
    assert.equal(agent.apps.bytesFetched, before);
  });

  test('an app that is not on-boarded fails with a clear reason', async () => {
    const ret = await apply('other');
    assert.equal(ret.success, false);
    const r = Object.values(ret.ret as RunResults)[0];
    assert.match(r.comment, /app nosuch \(any version\) is not on-boarded on the master/);
  });

  test('app.absent removes the containers (stopped side by side: busybox as PID 1 ignores SIGTERM)', async () => {
    const ret = await within(apply('gone'), 60_000, 'app.absent');
    assert.equal(ret.success, true);
    assert.equal((await pm.podman('ps', '-a', '--format', '{{.Names}}')).trim(), '');
  });
});
