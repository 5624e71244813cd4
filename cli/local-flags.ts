import { homedir } from 'node:os';
import { join } from 'node:path';
import { Flags } from '@oclif/core';

export const DEFAULT_STATE_ROOT = '/srv/umec/states';

/** Flags shared by the local state commands. */
export const localFlags = {
  'state-root': Flags.string({ description: 'state tree directory', env: 'UMEC_STATE_ROOT', default: DEFAULT_STATE_ROOT }),
  grains: Flags.string({ description: 'YAML file of static grains, set over the collected ones' }),
  pillar: Flags.string({ description: 'YAML file of pillar data' }),
  id: Flags.string({ description: 'this box\'s id (default: hostname)' }),
  saltenv: Flags.string({ description: 'top.sls environment', default: 'base' }),
  json: Flags.boolean({ description: 'print JSON' }),
  cachedir: Flags.string({ description: 'cache directory (grains cache)', env: 'UMEC_CACHEDIR', default: defaultCacheDir() }),
  'container-socket': Flags.string({ description: 'Docker Engine API socket (Docker or podman system service) for container and app states',
    env: 'UMEC_CONTAINER_SOCKET', default: '/run/podman/podman.sock' }),
  'refresh-grains': Flags.boolean({ description: 'collect grains again instead of using the cache (kept 5 minutes per boot)' }),
};

function defaultCacheDir(): string {
  return process.getuid?.() === 0 ? '/var/cache/umec' : join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'umec');
}
