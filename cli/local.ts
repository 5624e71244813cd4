import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerRuntime } from '../agent/containers/docker-runtime.js';
import { FileAppIdentityProvider } from '../agent/containers/file-identity.js';
import { cachedMachineGrains } from '../states/grains-cache.js';
import { UmecError } from '../lib/errors.js';
import { parseYaml } from '../lib/config.js';
import { StateEngine, type RunRequest } from '../states/engine.js';
import { builtinModules, linuxDrivers } from '../states/modules/index.js';
import { LocalSlsSource } from '../states/sls/tree.js';
import { fromPy } from '../states/jinja/values.js';
import { loadSaltYaml, SaltYamlError } from '../states/salt/yaml-load.js';
import { boxSaltDeps } from '../states/salt/functions/box-deps.js';

const readInput = (path: string, what: string): Promise<string> => readFile(path, 'utf8').catch((e: Error) => {
  throw new UmecError('CONFIG', { file: path, reason: `cannot read ${what} file: ${e.message}` });
});

/** A YAML mapping from a file; errors name the file and line. */
export async function readMappingFile(path: string, what: string): Promise<Record<string, unknown>> {
  const text = await readInput(path, what);
  const doc = parseYaml(text, path);
  if ('where' in doc) throw new UmecError('CONFIG', { file: doc.where, reason: doc.reason });
  const v = doc.data;
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new UmecError('CONFIG', { file: path, reason: `${what} must be a mapping` });
  return v as Record<string, unknown>;
}

/**
 * A pillar or grains file: read as Salt reads YAML (PyYAML 1.1 with Salt's loader: `no` is False,
 * `0644` is 644, a key given twice is an error); errors name the file, line and column.
 */
export async function readSaltYamlMapping(path: string, what: string): Promise<Record<string, unknown>> {
  const text = await readInput(path, what);
  let v: unknown;
  try {
    v = fromPy(loadSaltYaml(text, { ordered: true }));
  } catch (e) {
    if (!(e instanceof SaltYamlError)) throw e;
    throw new UmecError('CONFIG', { file: `${path}:${e.line}:${e.column}`, reason: e.message });
  }
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new UmecError('CONFIG', { file: path, reason: `${what} must be a mapping` });
  return v as Record<string, unknown>;
}

export async function localRequest(flags: { 'state-root': string; grains?: string; pillar?: string; id?: string; saltenv: string;
  cachedir: string; 'refresh-grains': boolean; 'container-socket'?: string },
  sls: string[]): Promise<{ engine: StateEngine; req: RunRequest }> {
  const [staticGrains, pillar] = await Promise.all([
    flags.grains ? readSaltYamlMapping(flags.grains, 'grains') : Promise.resolve({}),
    flags.pillar ? readSaltYamlMapping(flags.pillar, 'pillar') : Promise.resolve({}),
  ]);
  const machine = await cachedMachineGrains({ cacheDir: flags.cachedir, refresh: flags['refresh-grains'] });
  const grains = { ...machine, ...(flags.id ? { id: flags.id } : {}), ...staticGrains };
  const drivers = {
    ...linuxDrivers(),
    containers: new DockerRuntime(flags['container-socket'] ?? '/run/podman/podman.sock'),
    // a local apply gives apps a file-backed identity; the agent's Mp1 server issues them on a managed box
    appIdentity: new FileAppIdentityProvider(join(flags.cachedir, 'app-identities.json'), 'https://127.0.0.1:8081'),
  };
  const engine = new StateEngine({ modules: builtinModules(), drivers, templateDeps: boxSaltDeps() });
  // cachedir: where archive.extracted caches remote sources (Salt's __opts__['cachedir'])
  return { engine, req: { source: new LocalSlsSource(flags['state-root']), sls, grains, pillar, env: flags.saltenv, opts: { cachedir: flags.cachedir } } };
}
