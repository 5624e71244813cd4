/**
 * Salt functions that ask the machine: cmd.*, pkg.version, user.info, file.*, network.ip_addrs,
 * plus log.*, mine.get and test.*. What needs the box comes from SaltDeps; without it the
 * function says it is not provided where this render runs.
 */
import { JinjaError } from '../../jinja/errors.js';
import { pyStr, truthy } from '../../jinja/py/ops.js';
import { PyFunction, type Value } from '../../jinja/values.js';
import * as pypath from '../pypath.js';
import { REQUIRED, saltFn, type Params } from './args.js';
import type { ExecOptions, SaltDeps } from './deps.js';

const notHere = (d: SaltDeps, fn: string): JinjaError =>
  new JinjaError('NotProvided', `salt function ${fn} is not provided${d.where ? ` ${d.where}` : ''}`);

/** os.path.expanduser for the user the render runs as. */
const expandUser = (p: string): string => (p === '~' || p.startsWith('~/') ? `${process.env.HOME ?? '/root'}${p.slice(1)}` : p);

const CMD_PARAMS: Params = [['cmd', REQUIRED], ['cwd', null], ['stdin', null], ['runas', null], ['group', null], ['shell', '/bin/sh'], ['python_shell', null], ['env', null]];

export function boxFunctions(d: SaltDeps): Record<string, PyFunction> {
  const exec = (fn: string, cmd: Value, a: Record<string, Value>, shellDefault: boolean) => {
    if (!d.exec) throw notHere(d, fn);
    // Salt: python_shell defaults to False for calls from templates, so no shell unless asked
    const shell = a.python_shell === null ? shellDefault : truthy(a.python_shell);
    const o: ExecOptions = { shell };
    if (a.cwd !== null) o.cwd = String(a.cwd);
    if (a.stdin !== null) o.stdin = String(a.stdin);
    if (a.runas !== null) o.runas = String(a.runas);
    if (a.env instanceof Map) o.env = Object.fromEntries([...a.env].map(([k, v]) => [String(k), pyStr(v)]));
    return d.exec(String(cmd), o);
  };
  const log = (level: 'debug' | 'info' | 'warning' | 'error' | 'critical') =>
    saltFn(`log.${level}`, [['message', REQUIRED]], ({ a }) => { d.log?.(level, pyStr(a.message)); return null; });
  const fsFn = (name: string, test: (fs: NonNullable<SaltDeps['fs']>, p: string) => boolean) =>
    saltFn(`file.${name}`, [['path', REQUIRED]], ({ a }) => {
      if (!d.fs) throw notHere(d, `file.${name}`);
      return test(d.fs, expandUser(String(a.path)));
    });
  return {
    'cmd.run': saltFn('cmd.run', CMD_PARAMS, ({ a }) => {
      const r = exec('cmd.run', a.cmd, a, false);
      // stderr goes to the same output (redirect_stderr), trailing whitespace stripped (rstrip=True)
      return `${r.stdout}${r.stderr}`.replace(/\s+$/, '');
    }, { varkw: true }),
    'cmd.shell': saltFn('cmd.shell', CMD_PARAMS, ({ a }) => {
      const r = exec('cmd.shell', a.cmd, a, true);
      return `${r.stdout}${r.stderr}`.replace(/\s+$/, '');
    }, { varkw: true }),
    'cmd.run_stdout': saltFn('cmd.run_stdout', CMD_PARAMS, ({ a }) => exec('cmd.run_stdout', a.cmd, a, false).stdout.replace(/\s+$/, ''), { varkw: true }),
    'cmd.retcode': saltFn('cmd.retcode', CMD_PARAMS, ({ a }) => exec('cmd.retcode', a.cmd, a, false).retcode, { varkw: true }),
    'cmd.run_all': saltFn('cmd.run_all', CMD_PARAMS, ({ a }) => {
      const r = exec('cmd.run_all', a.cmd, a, false);
      return new Map<Value, Value>([['pid', 0], ['retcode', r.retcode], ['stdout', r.stdout.replace(/\s+$/, '')], ['stderr', r.stderr.replace(/\s+$/, '')]]);
    }, { varkw: true }),
    'pkg.version': new PyFunction('pkg.version', (args) => {
      if (!d.pkgVersion) throw notHere(d, 'pkg.version');
      const names = args.map(String);
      if (names.length === 1) return d.pkgVersion(names[0]);
      return new Map<Value, Value>(names.map((n) => [n, d.pkgVersion!(n)]));
    }),
    'user.info': saltFn('user.info', [['name', REQUIRED]], ({ a }) => {
      if (!d.userInfo) throw notHere(d, 'user.info');
      const u = d.userInfo(String(a.name));
      if (!u) return new Map();
      // salt/modules/useradd.py _format_info (GECOS split into fullname, roomnumber, workphone, homephone, other)
      const gecos = u.fullname.split(',');
      return new Map<Value, Value>([
        ['gid', u.gid], ['groups', [...u.groups]], ['home', u.home], ['name', u.name], ['passwd', u.passwd], ['shell', u.shell], ['uid', u.uid],
        ['fullname', gecos[0] ?? ''], ['roomnumber', gecos[1] ?? ''], ['workphone', gecos[2] ?? ''], ['homephone', gecos[3] ?? ''], ['other', gecos.slice(4).join(',')],
      ]);
    }),
    'file.dirname': saltFn('file.dirname', [['path', REQUIRED]], ({ a }) => pypath.dirname(String(a.path))),
    'file.basename': saltFn('file.basename', [['path', REQUIRED]], ({ a }) => pypath.basename(String(a.path))),
    'file.normpath': saltFn('file.normpath', [['path', REQUIRED]], ({ a }) => pypath.normpath(String(a.path))),
    'file.join': new PyFunction('file.join', (args) => pypath.join(...(args.map(String) as [string, ...string[]]))),
    'file.file_exists': fsFn('file_exists', (fs, p) => fs.isFile(p)),
    'file.directory_exists': fsFn('directory_exists', (fs, p) => fs.isDir(p)),
    'file.is_link': fsFn('is_link', (fs, p) => fs.isLink(p)),
    'network.ip_addrs': saltFn('network.ip_addrs', [['interface', null], ['include_loopback', false], ['cidr', null], ['type', null]], ({ a }) => {
      const all = d.interfaceAddrs ? d.interfaceAddrs() : undefined;
      if (!all) throw notHere(d, 'network.ip_addrs');
      return ipAddrs(all, a, 4);
    }),
    'network.ip_addrs6': saltFn('network.ip_addrs6', [['interface', null], ['include_loopback', false], ['cidr', null]], ({ a }) => {
      const all = d.interfaceAddrs ? d.interfaceAddrs() : undefined;
      if (!all) throw notHere(d, 'network.ip_addrs6');
      return ipAddrs(all, { ...a, type: null }, 6);
    }),
    // salt-call --local has no mine: mine.get answers from an empty mine cache
    'mine.get': saltFn('mine.get', [['tgt', REQUIRED], ['fun', REQUIRED], ['tgt_type', 'glob'], ['exclude_minion', false]], () => new Map(), { varkw: true }),
    'log.debug': log('debug'), 'log.info': log('info'), 'log.warning': log('warning'), 'log.error': log('error'), 'log.critical': log('critical'),
    // salt.utils.path.which: the command itself when it has a slash, else the first executable on PATH
    'cmd.has_exec': saltFn('cmd.has_exec', [['cmd', REQUIRED]], ({ a }) => {
      if (!d.fs) throw notHere(d, 'cmd.has_exec');
      const cmd = String(a.cmd);
      if (cmd.includes('/')) return d.fs.isExecutable(expandUser(cmd));
      const path = process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
      return path.split(':').some((dir) => dir !== '' && d.fs!.isExecutable(`${dir}/${cmd}`));
    }),
    'test.true': saltFn('test.true', [], () => true),
    'test.false': saltFn('test.false', [], () => false),
    'test.ping': saltFn('test.ping', [], () => true),
  };
}

/** IPv4 as a number for sorting and CIDR checks. */
const v4 = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const isPrivate4 = (ip: string): boolean => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|127\.|0\.)/.test(ip);

/** salt.utils.network.ip_addrs: unique addresses, loopback left out unless asked, sorted. */
function ipAddrs(all: { address: string; family: 4 | 6; iface: string }[], a: Record<string, Value>, family: 4 | 6): Value[] {
  let ips = all.filter((x) => x.family === family && (a.interface === null || x.iface === a.interface));
  if (!truthy(a.include_loopback)) ips = ips.filter((x) => (family === 4 ? !x.address.startsWith('127.') : x.address !== '::1'));
  if (family === 4 && a.cidr !== null) {
    const [net, bits] = String(a.cidr).split('/');
    const mask = Number(bits ?? 32) === 0 ? 0 : (0xffffffff << (32 - Number(bits ?? 32))) >>> 0;
    ips = ips.filter((x) => ((v4(x.address) & mask) >>> 0) === ((v4(net) & mask) >>> 0));
  }
  if (family === 4 && a.type === 'public') ips = ips.filter((x) => !isPrivate4(x.address));
  if (family === 4 && a.type === 'private') ips = ips.filter((x) => isPrivate4(x.address));
  const unique = [...new Set(ips.map((x) => x.address))];
  if (family === 4) unique.sort((x, y) => v4(x) - v4(y));
  else unique.sort();
  return unique;
}
