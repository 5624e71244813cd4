import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileAppIdentityProvider } from '../../../agent/containers/file-identity.js';
import { APP_IDENTITY_ENV } from '../../../lib/app-identity.js';
import { parseAppYaml } from '../../../states/apps/descriptor.js';
import { appInstanceId, appModule } from '../../../states/modules/app.js';
import type { ContainerRuntime } from '../../../states/containers/runtime.js';
import { makeContext, tempDir } from '../../helpers/context.js';
import { recordingRuntime } from '../../helpers/containers.js';
import { PrivatePodman, podmanMissing } from '../../helpers/podman.js';
import { demoAppYaml } from '../../helpers/app-package.js';

const deployed = appModule.functions.deployed;
const absent = appModule.functions.absent;

describe('app.deployed / app.absent against a real Podman service', { skip: podmanMissing(), concurrency: false }, () => {
  let pm: PrivatePodman;
  let tree: { dir: string; cleanup: () => Promise<void> };
  let ids: FileAppIdentityProvider;

  before(async () => {
    pm = await PrivatePodman.start();
    tree = await tempDir('umec-apptree-');
    await mkdir(join(tree.dir, 'demo', 'images'), { recursive: true });
    await pm.buildImage('localhost/demo/base:1', { marker: 'demo-1' });
    await pm.saveImage('localhost/demo/base:1', join(tree.dir, 'demo', 'images', 'base.tar'));
    await pm.podman('rmi', 'localhost/demo/base:1');
    await writeFile(join(tree.dir, 'demo', 'app.yaml'), demoAppYaml());
    execFileSync('tar', ['-C', join(tree.dir, 'demo'), '-cf', join(tree.dir, 'demo.tar'), '.']);
    ids = new FileAppIdentityProvider(join(tree.dir, 'ids', 'app-identities.json'), 'https://127.0.0.1:8081');
  });
  after(async () => { await pm?.stop(); await tree?.cleanup(); });

  const ctx = (rt: ContainerRuntime, test = false) => makeContext({ root: tree.dir, test, grains: { id: 'box-1' }, drivers: { containers: rt, appIdentity: ids } });
  const inspect = async (name: string) => JSON.parse(await pm.podman('inspect', '--type', 'container', name))[0] as Record<string, any>;
  const envOf = (i: Record<string, any>) => Object.fromEntries((i.Config.Env as string[]).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

  test('deploys three containers with the Mp1 identity; a second apply only looks', async () => {
    const { rt, calls } = recordingRuntime(pm.socket);
    const dry = await deployed.run({ name: 'demo', source: 'umec://demo' }, ctx(rt, true));
    assert.equal(dry.result, null);
    assert.deepEqual(Object.keys((dry.changes.containers as object)).sort(), ['demo-api', 'demo-web', 'demo-worker']);
    assert.equal(calls.includes('createContainer'), false);
    assert.equal(existsSync(join(tree.dir, 'ids', 'app-identities.json')), false, 'a dry run issues no credentials');

    const r = await deployed.run({ name: 'demo', source: 'umec://demo' }, ctx(rt));
    assert.equal(r.result, true, r.comment);
    assert.deepEqual(r.changes, { version: '1.0.0', containers: { 'demo-api': 'created', 'demo-web': 'created', 'demo-worker': 'created' } });
    assert.equal(calls.filter((c) => c === 'loadImage').length, 1, 'the shared image is loaded once');
    const instance = appInstanceId('box-1', 'demo');
    const id = await ids.ensure(instance);
    for (const c of ['web', 'api', 'worker']) {
      const i = await inspect(`demo-${c}`);
      assert.equal(i.State.Running, true);
      const env = envOf(i);
      assert.equal(env.ROLE, c);
      assert.equal(env[APP_IDENTITY_ENV.instanceId], instance);
      assert.equal(env[APP_IDENTITY_ENV.clientId], id.clientId);
      assert.equal(env[APP_IDENTITY_ENV.clientSecret], id.clientSecret);
      assert.equal(env[APP_IDENTITY_ENV.endpoint], 'https://127.0.0.1:8081');
      assert.equal(i.Config.Labels['umec.app'], 'demo');
    }
    calls.length = 0;
    const again = await deployed.run({ name: 'demo', source: 'umec://demo' }, ctx(rt));
    assert.equal(again.result, true);
    assert.deepEqual(again.changes, {});
    assert.match(again.comment, /App demo 1\.0\.0 is deployed/);
    const dryAgain = await deployed.run({ name: 'demo', source: 'umec://demo' }, ctx(rt, true));
    assert.equal(dryAgain.result, true, 'a dry run of a deployed app predicts nothing');
    assert.deepEqual(dryAgain.changes, {});
    assert.deepEqual([...new Set(calls)].sort(), ['inspectContainer', 'inspectImage', 'listContainers']);
  });

  test('the same package as a tar is the same deployment: nothing changes', async () => {
    const { rt } = recordingRuntime(pm.socket);
    const r = await deployed.run({ name: 'demo', source: 'umec://demo.tar' }, ctx(rt));
    assert.equal(r.result, true, r.comment);
    assert.deepEqual(r.changes, {});
  });

  test('changing one container env recreates only that container; the identity stays', async () => {
    const { rt, calls } = recordingRuntime(pm.socket);
    const before = Object.fromEntries(await Promise.all(['web', 'api', 'worker'].map(async (c) => [c, (await inspect(`demo-${c}`)).Id])));
    await writeFile(join(tree.dir, 'demo', 'app.yaml'), demoAppYaml({ version: '1.0.1', workerEnv: '2' }));
    const r = await deployed.run({ name: 'demo', source: 'umec://demo' }, ctx(rt));
    assert.equal(r.result, true, r.comment);
    assert.deepEqual(r.changes, { version: '1.0.1', containers: { 'demo-worker': { changed: ['config'] } } });
    assert.equal(calls.includes('loadImage'), false, 'an unchanged image is not transferred again');
    assert.equal((await inspect('demo-web')).Id, before.web);
    assert.equal((await inspect('demo-api')).Id, before.api);
    assert.notEqual((await inspect('demo-worker')).Id, before.worker);
    assert.equal(envOf(await inspect('demo-worker')).LEVEL, '2');
    assert.equal(envOf(await inspect('demo-worker'))[APP_IDENTITY_ENV.clientId], (await ids.ensure(appInstanceId('box-1', 'demo'))).clientId);
  });

  test('a container dropped from the package is removed', async () => {
    const rt = recordingRuntime(pm.socket).rt;
    await writeFile(join(tree.dir, 'demo', 'app.yaml'), demoAppYaml({ version: '1.1.0', drop: true }));
    const r = await deployed.run({ name: 'demo', source: 'umec://demo' }, ctx(rt));
    assert.equal(r.result, true, r.comment);
    assert.deepEqual(r.changes, { version: '1.1.0', containers: { 'demo-worker': 'removed' } });
    assert.equal(await rt.inspectContainer('demo-worker'), undefined);
  });

  test('a package for another app or version is refused', async () => {
    const rt = recordingRuntime(pm.socket).rt;
    await assert.rejects(deployed.run({ name: 'other', source: 'umec://demo' }, ctx(rt)), /holds app demo, not other/);
    await assert.rejects(deployed.run({ name: 'demo', version: '9', source: 'umec://demo' }, ctx(rt)), /holds version 1\.1\.0, not 9/);
  });

  test('app.absent removes every container and the identity', async () => {
    const rt = recordingRuntime(pm.socket).rt;
    const instance = appInstanceId('box-1', 'demo');
    const dry = await absent.run({ name: 'demo', stop_timeout: 1 }, ctx(rt, true));
    assert.equal(dry.result, null);
    const r = await absent.run({ name: 'demo', stop_timeout: 1 }, ctx(rt));
    assert.deepEqual(r.changes, { removed: ['demo-api', 'demo-web'] });
    assert.deepEqual(await rt.listContainers({ 'umec.app': 'demo' }), []);
    const stored = JSON.parse(await readFile(join(tree.dir, 'ids', 'app-identities.json'), 'utf8')) as { identities: Record<string, unknown> };
    assert.equal(stored.identities[instance], undefined);
    const again = await absent.run({ name: 'demo', stop_timeout: 1 }, ctx(rt));
    assert.deepEqual(again.changes, {});
  });
});

test('invalid app.yaml: every problem names the file, line and field', () => {
  const text = `name: Demo_App
version: "1.0"
containers:
  - name: web
    image: localhost/x:1
    memroy: 64m
  - name: web
    image: localhost/x:1
    ports: ["99999:80"]
provided_services:
  - ser_name: s
    container: nope
`;
  assert.throws(() => parseAppYaml(text, 'pkg/app.yaml'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'APP_PACKAGE');
    assert.match(e.message, /pkg\/app\.yaml:1: name must match pattern/);
    assert.match(e.message, /pkg\/app\.yaml:6: containers\.0\.memroy unknown key/);
    return true;
  });
  const dup = text.replace('Demo_App', 'demo').replace('    memroy: 64m\n', '');
  assert.throws(() => parseAppYaml(dup, 'pkg/app.yaml'), (e: Error) => {
    assert.match(e.message, /pkg\/app\.yaml:6: containers\.1\.name web is used twice/);
    assert.match(e.message, /pkg\/app\.yaml:8: containers\.1\.ports\.0 bad port mapping "99999:80"/);
    assert.match(e.message, /pkg\/app\.yaml:11: provided_services\.0\.container names no container/);
    return true;
  });
  assert.throws(() => parseAppYaml('name: [unclosed', 'pkg/app.yaml'), /pkg\/app\.yaml:1: /);
  assert.throws(() => parseAppYaml('- a list', 'pkg/app.yaml'), /app\.yaml must be a mapping/);
});
