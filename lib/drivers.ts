/**
 * Driver interfaces shared by every layer (states, firmware, agent): running processes and
 * controlling services. Implementations: lib/exec.ts (ProcessRunner), states/drivers/systemd.ts.
 */
export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Seconds; the process (group) is killed after it. */
  timeout?: number;
  /** Run through /bin/sh -c (string command) instead of argv. */
  shell?: boolean;
  /** Run as this user (uid/gid looked up on the box). */
  runas?: string;
  input?: string;
  signal?: AbortSignal;
}

export interface ExecResult {
  pid?: number;
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs processes; injected so drivers can be tested for the commands they build. */
export interface CommandRunner {
  run(cmd: string | string[], opts?: ExecOptions): Promise<ExecResult>;
}

export interface ServiceStatus { exists: boolean; active: boolean; enabled: boolean }

export interface ServiceDriver {
  status(name: string): Promise<ServiceStatus>;
  start(name: string): Promise<void>;
  stop(name: string): Promise<void>;
  restart(name: string): Promise<void>;
  reload(name: string): Promise<void>;
  enable(name: string): Promise<void>;
  disable(name: string): Promise<void>;
  /** True where the init system is installed but not running (Salt's offline mode: running/dead do nothing). */
  offline?(): Promise<boolean>;
  /** Whether the unit is masked (runtime: the /run mask); absent where the init system has no masking. */
  masked?(name: string, runtime: boolean): Promise<boolean>;
  mask?(name: string, runtime: boolean): Promise<void>;
  unmask?(name: string, runtime: boolean): Promise<void>;
}
