import { loadConfig } from '../lib/config.js';
import type { JobArgs, JobFun, TargetType } from '../lib/messages.js';
import { checkScheduleCron } from '../lib/schedule-check.js';
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
  /** Largest message an agent may send, bytes (ZeroMQ maxMessageSize of both sockets). */
  max_message_size: number;
  /** Pending keys at most; new ids beyond it are refused (event umec/key/limit). */
  max_pending_keys: number;
  /** New pending keys per minute at most. */
  pending_keys_per_minute: number;
  schedule: Record<string, MasterScheduleEntry>;
}

export interface MasterScheduleEntry {
  cron: string;
  target: string;
  tgt_type: TargetType;
  function: JobFun;
  args: JobArgs;
  splay: number;
  enabled: boolean;
  timeout?: number;
}

export async function loadMasterConfig(file: string): Promise<MasterConfig> {
  const c = await loadConfig<MasterConfig>(file, masterConfigSchema);
  checkScheduleCron(file, c.schedule);
  return c;
}
