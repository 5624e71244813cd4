import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResults } from '../../states/types.js';
import { tempDir } from '../helpers/context.js';
import { demoAppYaml } from '../helpers/app-package.js';
import { PrivatePodman, podmanMissing } from '../helpers/podman.js';

const BIN = fileURLToPath(new URL('../../../cli/bin/run.js', import.meta.url));

function umec(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('umec state apply --local with container and app states on a private Podman', { skip: podmanMissing(), concurrency: false, timeout: 180_000 }, () => {
  let pm: PrivatePodman;
  let t: { dir: string; cleanup: () => Promise<void> };
  let root: string;

  before(async () => {
    pm = await PrivatePodman.start();
    t = await tempDir('umec-cli-apps-');
    root = join(t.dir, 'tree');
    await mkdir(join(root, 'demo', 'images'), { recursive: true });
    await pm.buildImage('localhost/demo/base:1', { marker: 'cli' });
    await pm.saveImage('localhost/demo/base:1', join(root, 'demo', 'images', 'base.tar'));
    await pm.podman('rmi', 'localhost/demo/base:1');
    await writeFile(join(root, 'demo', 'app.yaml'), demoAppYaml());
    await writeFile(join(root, 'box.sls'), [
      'base-image:', '  image.present:', '    - name: localhost/demo/base:1', '    - source: umec://demo/images/base.tar',
      'solo:', '  container.running:', '    - image: localhost/demo/base:1', '    - command: ["/bin/sleep", "3600"]', '    - require:', '      - image: base-image',
      'demo:', '  app.deployed:', '    - source: umec://demo', '',
    ].join('\n'));
  });
  after(async () => { await pm?.stop(); await t?.cleanup(); });

  const apply = (...extra: string[]) => umec(['state', 'apply', 'box', '--local', '--state-root', root, '--container-socket', pm.socket,
    '--cachedir', join(t.dir, 'cache'), '--id', 'cli-box', '--json', ...extra]);

  test('--test predicts, the apply deploys, the second apply changes nothing', async () => {
    const dry = apply('--test');
    assert.equal(dry.code, 0, dry.stderr);
    const dr = Object.values((JSON.parse(dry.stdout) as { local: RunResults }).local);
    assert.ok(dr.every((r) => r.result === null), JSON.stringify(dr));

    const r = apply();
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const res = (JSON.parse(r.stdout) as { local: RunResults }).local;
    assert.ok(Object.values(res).every((x) => x.result === true && Object.keys(x.changes).length > 0), JSON.stringify(res, null, 1));

    const again = apply();
    assert.equal(again.code, 0);
    const res2 = Object.values((JSON.parse(again.stdout) as { local: RunResults }).local);
    assert.ok(res2.every((x) => x.result === true && Object.keys(x.changes).length === 0), JSON.stringify(res2, null, 1));
    const names = (await pm.podman('ps', '--format', '{{.Names}}')).trim().split('\n').sort();
    assert.deepEqual(names, ['demo-api', 'demo-web', 'demo-worker', 'solo']);
  });

  test('a runtime socket that is not there fails the states with the reason, exit 1', () => {
    const r = umec(['state', 'apply', 'box', '--local', '--state-root', root, '--container-socket', join(t.dir, 'none.sock'),
      '--cachedir', join(t.dir, 'cache'), '--id', 'cli-box', '--json']);
    assert.equal(r.code, 1);
    const res = Object.values((JSON.parse(r.stdout) as { local: RunResults }).local);
    const first = res.find((x) => x.__id__ === 'base-image')!;
    assert.equal(first.result, false);
    assert.match(first.comment, /none\.sock: socket missing or nobody listening/);
  });
});
