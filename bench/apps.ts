/**
 * Container apps against a private Podman service: a no-op re-apply of a
 * 3-container app (the work the agent does when nothing changed), and a fresh
 * deploy of the same app against `podman run -d` for the same 3 containers.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerRuntime } from '../agent/containers/docker-runtime.js';
import { FileAppIdentityProvider } from '../agent/containers/file-identity.js';
import { StateEngine, type RunRequest } from '../states/engine.js';
import { builtinModules, linuxDrivers } from '../states/modules/index.js';
import { LocalSlsSource } from '../states/sls/tree.js';
import { demoAppYaml } from '../test/helpers/app-package.js';
import { tempDir } from '../test/helpers/context.js';
import { PrivatePodman, podmanMissing } from '../test/helpers/podman.js';
import { timeIt } from './proc.js';
import type { Row, Section } from './section.js';



export async function appsRows(): Promise<Section> {
  const why = podmanMissing();
  if (why) return { rows: [], notes: [], skipped: [`apps: ${why}`] };
  const pm = await PrivatePodman.start();
  const tmp = await tempDir('umec-bench-apps-');
  try {
    const pkg = join(tmp.dir, 'tree', 'demo');
    await mkdir(join(pkg, 'images'), { recursive: true });
    await pm.buildImage('localhost/demo/base:1', { marker: 'bench' });
    await pm.saveImage('localhost/demo/base:1', join(pkg, 'images', 'base.tar'));
    await writeFile(join(pkg, 'app.yaml'), demoAppYaml());
    await writeFile(join(tmp.dir, 'tree', 'apps.sls'), 'demo:\n  app.deployed:\n    - source: umec://demo\n');
    const engine = new StateEngine({
      modules: builtinModules(),
      drivers: { ...linuxDrivers(), containers: new DockerRuntime(pm.socket), appIdentity: new FileAppIdentityProvider(join(tmp.dir, 'ids.json'), 'https://127.0.0.1:8081') },
    });
    const req: RunRequest = { source: new LocalSlsSource(join(tmp.dir, 'tree')), sls: ['apps'], grains: { id: 'bench-box' }, pillar: {}, immutableTree: true };
    const apply = async (expectChanges: boolean) => {
      const r = Object.values(await engine.apply(req))[0];
      if (r.result !== true || (Object.keys(r.changes).length > 0) !== expectChanges) throw new Error(`unexpected apply result: ${r.comment}`);
    };
    const clear = async () => { await pm.podman('rm', '-af', '-t', '0'); };

    await apply(true);
    const noop = await timeIt(15, () => apply(false));

    // the image stays on the box for both sides: the comparison is create + start of three containers
    const deploy = await timeIt(5, () => apply(true), clear);
    const runs = [['web', '/bin/httpd', '-f', '-p', '8080', '-h', '/www'], ['api', '/bin/sleep', '3600'], ['worker', '/bin/sleep', '3600']];
    const podmanRun = await timeIt(5, async () => {
      for (const [name, ...cmd] of runs) {
        await pm.podman('run', '-d', '--name', `demo-${name}`, '--cap-drop', 'ALL', '--restart', 'unless-stopped', '-e', `ROLE=${name}`, 'localhost/demo/base:1', ...cmd);
      }
    }, clear);
    await clear();
    const ratio = deploy / podmanRun;
    const rows: Row[] = [
      { name: 'apps: no-op re-apply, 3 containers', median: noop, unit: 'ms', target: '< 200 ms', extra: noop < 200 ? 'ok' : 'SLOW' },
      { name: 'apps: fresh deploy, 3 containers', median: deploy, unit: 'ms', target: '<= 1.5x podman run', extra: `${ratio.toFixed(2)}x ${ratio <= 1.5 ? 'ok' : 'SLOW'}` },
      { name: 'apps: podman run -d x3 (reference)', median: podmanRun, unit: 'ms', target: '-' },
    ];
    return { rows, notes: [], skipped: [] };
  } finally {
    await pm.stop();
    await tmp.cleanup();
  }
}
