import { loadConfig } from '../lib/config.js';
import { masterConfigSchema } from './config-schema.js';

export { masterConfigSchema };

export interface MasterConfig {
  data_dir: string;
  state_root: string;
  pillar_root: string;
  interface: string;
  publish_port: number;
  return_port: number;
  autosign_grains: Record<string, string[]>;
  autosign_tokens: string[];
  log_level: string;
  /** Seconds a job waits for returns by default. */
  timeout: number;
}

export function loadMasterConfig(file: string): Promise<MasterConfig> {
  return loadConfig<MasterConfig>(file, masterConfigSchema);
}
