import type { AppIdentityProvider } from '../lib/app-identity.js';
import type { SourcePos } from '../lib/errors.js';
import type { AppPackageSource } from './apps/package.js';
import type { ContainerRuntime } from './containers/runtime.js';

/** What every state function returns (Salt's return structure). */
export interface StateReturn {
  name: string;
  /** true: in the desired state; false: failed; null: test mode, changes predicted. */
  result: boolean | null;
  changes: Record<string, unknown>;
  comment: string;
}

/** A StateReturn as the executor records it. */
export interface StateResult extends StateReturn {
  duration: number;
  start_time: string;
  __run_num__: number;
  __sls__: string;
  __id__: string;
  /** Salt's warnings (arguments the state function does not take, ignored). */
  warnings?: string[];
}

/** Keyed `<module>_|-<id>_|-<name>_|-<function>`. */
export type RunResults = Record<string, StateResult>;

export type JsonSchema = Record<string, unknown>;

export type { CommandRunner, ExecOptions, ExecResult, ServiceDriver, ServiceStatus } from '../lib/drivers.js';
import type { CommandRunner, ServiceDriver } from '../lib/drivers.js';

/**
 * What the firmware.updated state needs of the box's A/B firmware engine (firmware/ implements it;
 * declared here so states/ does not depend on firmware/).
 */
export interface FirmwarePort {
  status(): Promise<{
    slots: { name: string; booted: boolean; state: string; version?: string }[];
    phase: string;
    update?: { source: string; version?: string; target: string; message?: string };
  }>;
  install(source: string, opts: { reboot: boolean; rebootDelay: number }): Promise<{ version: string; target: string }>;
}




export interface PkgSpec { name: string; version?: string }

export interface PkgDriver {
  /** Installed versions of the given packages (absent names are not in the map). */
  installed(names: string[]): Promise<Map<string, string>>;
  /** Candidate (newest installable) versions; absent when the package is unknown. */
  candidates(names: string[], refresh: boolean): Promise<Map<string, string>>;
  install(pkgs: PkgSpec[], opts: { refresh: boolean }): Promise<void>;
  remove(names: string[], opts: { purge: boolean }): Promise<void>;
}



export interface UserInfo { name: string; uid: number; gid: number; home: string; shell: string; groups: string[]; gecos: string }
export interface GroupInfo { name: string; gid: number; members: string[] }

export interface UserDriver {
  getUser(name: string): Promise<UserInfo | undefined>;
  getGroup(name: string): Promise<GroupInfo | undefined>;
  addUser(u: { name: string; uid?: number; gid?: number | string; home?: string; shell?: string; groups?: string[]; createhome: boolean; system: boolean; gecos?: string }): Promise<void>;
  /** password: the crypt hash for /etc/shadow; expire: days since 1970-01-01 (-1 clears it). */
  modUser(name: string, change: { uid?: number; gid?: number | string; home?: string; shell?: string; groups?: string[]; gecos?: string; password?: string; expire?: number }): Promise<void>;
  /** The /etc/shadow entry (password hash, expiry day or -1); absent where there is no shadow file. */
  getShadow?(name: string): Promise<{ passwd: string; expire: number } | undefined>;
  delUser(name: string, opts: { purge: boolean }): Promise<void>;
  addGroup(g: { name: string; gid?: number; system: boolean; members?: string[] }): Promise<void>;
  modGroup(name: string, change: { gid?: number; members?: string[] }): Promise<void>;
  delGroup(name: string): Promise<void>;
}

export interface Drivers {
  pkg: PkgDriver;
  service: ServiceDriver;
  users: UserDriver;
  exec: CommandRunner;
  /** Container runtime (container.*, image.*, app.*); absent where none is configured. */
  containers?: ContainerRuntime;
  /** Issues the Mp1 identity every deployed app instance gets. */
  appIdentity?: AppIdentityProvider;
  /** On-boarded app packages (from the master); absent on a local apply. */
  appPackages?: AppPackageSource;
  /** A/B firmware updates (firmware/ implements the port); only on boxes with a firmware: section. */
  firmware?: FirmwarePort;
  /** System configuration (cron, locale, timezone, sysctl, hosts, ssh): states/drivers/sysconf.ts. */
  cron?: import('./drivers/sysconf.js').CrontabDriver;
  hosts?: import('./drivers/sysconf.js').HostsDriver;
  sysctl?: import('./drivers/sysconf.js').SysctlDriver;
  timezone?: import('./drivers/sysconf.js').TimezoneDriver;
  locale?: import('./drivers/sysconf.js').LocaleDriver;
  ssh?: import('./drivers/sysconf.js').SshDriver;
  /** apt's repository files (pkgrepo.*): where the system root is, and `apt-get update`. */
  aptRepos?: { root: string; refresh(): Promise<void> };
}

/** Read access to the state tree for `umec://` sources (a local dir, or a master's file server later). */
export interface FileClient {
  /** Bytes of umec://path (path relative to the state tree root). Throws UmecError FILE_SOURCE when absent. */
  read(url: string): Promise<Buffer>;
  /** Absolute local path for umec://path if the tree is local, for error messages. */
  describe(url: string): string;
  /** What is below the directory umec://path (file.recurse); undefined when it is not a directory. */
  list?(url: string): Promise<TreeListing | undefined>;
}

/** A state-tree directory's content, paths relative to it ('/'-separated), like Salt's cp.list_master*. */
export interface TreeListing {
  /** Regular files (symlinks to files included, as Salt's file server follows them). */
  files: string[];
  /** Every directory below (not the listed one itself). */
  dirs: string[];
  /** Symlinks and their targets as written. */
  symlinks: Record<string, string>;
  /** Permission bits of each file, for file_mode: keep. */
  modes: Record<string, number>;
}

export interface StateContext {
  test: boolean;
  id: string;
  sls: string;
  grains: Record<string, unknown>;
  pillar: Record<string, unknown>;
  opts: Record<string, unknown>;
  files: FileClient;
  drivers: Drivers;
  /** The states this one requires (file.directory/recurse `clean` keeps the files they manage). */
  required?: { module: string; fun: string; name: string }[];
  /** Renders a Jinja template string with grains/pillar/opts plus extra context. */
  render(template: string, name: string, extra?: Record<string, unknown>): Promise<string>;
}

/** Arguments after validation: schema defaults applied, requisites and global keys removed. */
export type StateArgs = Record<string, unknown> & { name: string };

export interface StateFunction {
  /** JSON schema of the function's own arguments (without `name` and global keys). */
  schema: JsonSchema;
  run(args: StateArgs, ctx: StateContext): Promise<StateReturn>;
  /** Called instead of run() when a watched state changed (service restart, ...). */
  modWatch?(args: StateArgs, ctx: StateContext): Promise<StateReturn>;
}

export interface StateModule {
  name: string;
  functions: Record<string, StateFunction>;
}

/** A single state call after compilation (Salt's "low chunk"). */
export interface LowChunk {
  id: string;
  name: string;
  module: string;
  fun: string;
  sls: string;
  /** Function arguments (validated, defaults applied). */
  args: StateArgs;
  order: number;
  failhard: boolean;
  onlyif: unknown[];
  unless: unknown[];
  requisites: Requisite[];
  /** Every argument as Salt's low chunk holds it (name, names and requisites aside), as written: what `state show` prints. */
  saltArgs?: Record<string, unknown>;
  /** Salt's state-level check_cmd (for functions that do not take it themselves): run after the state decides its result. */
  checkCmd?: string[];
  /** Salt's retry: run again until the result is `until`. */
  retry?: RetrySpec;
  /** Why this chunk cannot run (unknown state function, invalid arguments): it fails at apply with this comment, as Salt's does. */
  unavailable?: string;
  /** Requisites whose target is not in the run: Salt fails the chunk at apply, naming them. */
  unresolved?: { kind: string; module: string; ref: string }[];
  /** Warnings Salt puts in the state's return (arguments the function does not take). */
  warnings?: string[];
  pos: SourcePos;
  argPos: Record<string, SourcePos>;
  /** Stable key for results: module_|-id_|-name_|-fun. */
  key: string;
}

export const REQUISITE_KINDS = ['require', 'watch', 'onchanges', 'onfail', 'prereq', 'listen', 'use',
  'onchanges_any', 'onfail_any', 'onfail_all', 'require_any', 'watch_any'] as const;
export type RequisiteKind = 'require' | 'watch' | 'onchanges' | 'onfail' | 'prereq' | 'listen' |
  'onchanges_any' | 'onfail_any' | 'onfail_all' | 'require_any' | 'watch_any';

/** Salt's retry option, defaults filled (attempts 2, until true, interval 30 s, splay 0). */
export interface RetrySpec { attempts: number; until: boolean; interval: number; splay: number }

/** A resolved requisite: this chunk depends (kind) on the chunk with key `target`. */
export interface Requisite { kind: RequisiteKind; target: string }
