import { loadConfig } from '../lib/config.js';
import type { FromSchema } from 'json-schema-to-ts';
import { checkScheduleCron } from '../lib/schedule-check.js';
import { masterConfigSchema } from './config-schema.js';

export { masterConfigSchema };

/** master.yaml as loaded: defaults filled in (master/config-schema.ts). */
export type MasterConfig = FromSchema<typeof masterConfigSchema>;
export type MasterScheduleEntry = MasterConfig['schedule'][string];

export async function loadMasterConfig(file: string): Promise<MasterConfig> {
  const c = await loadConfig<MasterConfig>(file, masterConfigSchema);
  checkScheduleCron(file, c.schedule);
  return c;
}
