import { readFile } from 'node:fs/promises';
import { loadConfig, parseYaml } from '../lib/config.js';
import { UmecError } from '../lib/errors.js';
import type { FromSchema } from 'json-schema-to-ts';
import { checkScheduleCron } from '../lib/schedule-check.js';
import { masterConfigSchema } from './config-schema.js';

export { masterConfigSchema };

/** master.yaml as loaded: defaults filled in (master/config-schema.ts). */
export type MasterConfig = FromSchema<typeof masterConfigSchema>;
export type MasterScheduleEntry = MasterConfig['schedule'][string];

/**
 * `daemon`: the file is for `umec master start`, which refuses a config that does not say where to
 * listen (`interface`): an empty or forgotten master.yaml must not quietly listen on every address.
 * Quickstart writes its own config with the loopback address.
 */
export async function loadMasterConfig(file: string, o: { daemon?: boolean } = {}): Promise<MasterConfig> {
  const c = await loadConfig<MasterConfig>(file, masterConfigSchema);
  checkScheduleCron(file, c.schedule);
  if (o.daemon) {
    const doc = parseYaml(await readFile(file, 'utf8'), file);
    const given = 'data' in doc && doc.data && typeof doc.data === 'object' && Object.hasOwn(doc.data, 'interface');
    if (!given) {
      throw new UmecError('CONFIG', {
        file, reason: `${'data' in doc && doc.data ? 'interface is not set' : 'the file is empty'}: the master will not pick an address to listen on by itself; add interface: 127.0.0.1 (this host only) or interface: 0.0.0.0 (every address)`,
      });
    }
  }
  return c;
}
