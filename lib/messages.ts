/** What travels between master, agents and the CLI. */

export type JobFun = 'ping' | 'apply' | 'run' | 'grains';
export const JOB_FUNS: readonly JobFun[] = ['ping', 'apply', 'run', 'grains'];

export interface JobArgs {
  /** apply: SLS names; empty = highstate. */
  sls?: string[];
  test?: boolean;
  /** run: argv. */
  cmd?: string[];
}

/** Published to agents. */
export interface JobMessage {
  jid: string;
  fun: JobFun;
  args: JobArgs;
  /** Agent ids this publication is for; "*" for every accepted agent. */
  targets: string[] | '*';
}

/** An agent's answer to a job. */
export interface ReturnMessage {
  jid: string;
  fun: JobFun;
  ret: unknown;
  retcode: number;
  success: boolean;
}

export type TargetType = 'glob' | 'list' | 'grain' | 'grain_pcre' | 'pcre' | 'pillar' | 'compound';

export interface JobRequest {
  fun: JobFun;
  args: JobArgs;
  tgt: string;
  tgt_type: TargetType;
  /** Seconds to wait for returns after the last publication. */
  timeout?: number;
  /** Sliding window: a count ("10") or a share of the targets ("10%"). */
  batch?: string;
  /** Rollout stop: once more targets than this ("2" or "10%" of the targets) failed or did not return, no further batch is published. */
  max_failures?: string;
}

/** Master events, streamed by `umec events`. */
export interface UmecEvent {
  tag: string;
  ts: string;
  data: Record<string, unknown>;
}
