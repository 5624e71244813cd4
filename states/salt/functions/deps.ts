/**
 * What the salt functions need from where the template renders. The box (local apply, the agent)
 * passes real implementations; the master (pillar, roster compile) passes none for what only the
 * box can answer, and those functions then say they are not provided there.
 */
import type { Value } from '../../jinja/values.js';

export interface ExecResult { stdout: string; stderr: string; retcode: number }
export interface ExecOptions { shell: boolean; cwd?: string; stdin?: string; env?: Record<string, string>; runas?: string }

export interface SaltDeps {
  grains: Map<Value, Value>;
  pillar: Map<Value, Value>;
  opts: Map<Value, Value>;
  /** Where this render happens, for "not provided" messages ("on the master"). */
  where?: string;
  /** log.* functions; Salt writes to its log (default: dropped). */
  log?: (level: 'debug' | 'info' | 'warning' | 'error' | 'critical', message: string) => void;
  /** cmd.run / cmd.shell / cmd.retcode (box only). */
  exec?: (cmd: string, o: ExecOptions) => ExecResult;
  /** user.info: the passwd entry with its groups (box only). */
  userInfo?: (name: string) => { name: string; uid: number; gid: number; home: string; shell: string; passwd: string; fullname: string; groups: string[] } | undefined;
  /** pkg.version: installed version or '' (box only). */
  pkgVersion?: (name: string) => string;
  /** file.file_exists / directory_exists / is_link (box only). */
  fs?: { isFile(p: string): boolean; isDir(p: string): boolean; isLink(p: string): boolean; isExecutable(p: string): boolean };
  /** network.ip_addrs: every address of every interface (box only; the master answers from grains). */
  interfaceAddrs?: () => { address: string; family: 4 | 6; iface: string }[];
  /** slsutil.renderer: renders text through a renderer pipe ('jinja|yaml', 'yaml', 'jinja'). */
  render?: (text: string, renderer: string) => Value;
  /** cp.list_master / list_master_dirs / list_states: the state tree's files and dirs, relative to its root. */
  stateTree?: () => { files: string[]; dirs: string[] };
  /** slsutil.renderer with path=: reads a salt:// or local file. */
  readFile?: (path: string) => string;
}
