/** The box side of SaltDeps: real commands, the passwd/group files, dpkg, the file system, the interfaces. */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, lstatSync, readFileSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { SaltDeps } from './deps.js';
import { splitShell } from './shlex.js';

export function boxExec(cmd: string, o: Parameters<NonNullable<SaltDeps['exec']>>[1]): ReturnType<NonNullable<SaltDeps['exec']>> {
  const argv = o.shell ? ['/bin/sh', '-c', cmd] : splitShell(cmd);
  if (o.runas) argv.unshift('runuser', '-u', o.runas, '--');
  const r = spawnSync(argv[0], argv.slice(1), { cwd: o.cwd, input: o.stdin, env: o.env ? { ...process.env, ...o.env } : process.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) return { stdout: '', stderr: `${(r.error).message}`, retcode: 127 };
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', retcode: r.status ?? 1 };
}

/** user.info from <root>/etc/passwd and <root>/etc/group (groups: the primary one and every membership, sorted). */
export function passwdUserInfo(root = '/'): NonNullable<SaltDeps['userInfo']> {
  return (name) => {
    const read = (f: string): string[] => { try { return readFileSync(`${root.replace(/\/$/, '')}/etc/${f}`, 'utf8').split('\n'); } catch { return []; } };
    const ent = read('passwd').map((l) => l.split(':')).find((f) => f[0] === name && f.length >= 7);
    if (!ent) return undefined;
    const gid = Number(ent[3]);
    const groups = new Set<string>();
    for (const g of read('group').map((l) => l.split(':'))) {
      if (g.length < 4) continue;
      if (Number(g[2]) === gid || g[3].split(',').includes(name)) groups.add(g[0]);
    }
    return { name, passwd: ent[1], uid: Number(ent[2]), gid, fullname: ent[4], home: ent[5], shell: ent[6], groups: [...groups].sort() };
  };
}

/** pkg.version on Debian: the installed version, '' when not installed. */
export function dpkgVersion(name: string): string {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Abbrev} ${Version}', name], { encoding: 'utf8' });
  if (r.status !== 0) return '';
  const m = /^ii\s+(\S+)/.exec(r.stdout ?? '');
  return m ? m[1] : '';
}

export const realFs: NonNullable<SaltDeps['fs']> = {
  isFile: (p) => { try { return statSync(p).isFile(); } catch { return false; } },
  isExecutable: (p) => { try { return statSync(p).isFile() && (accessSync(p, constants.X_OK), true); } catch { return false; } },
  isDir: (p) => { try { return statSync(p).isDirectory(); } catch { return false; } },
  isLink: (p) => { try { return lstatSync(p).isSymbolicLink(); } catch { return false; } },
};

export function liveInterfaceAddrs(): ReturnType<NonNullable<SaltDeps['interfaceAddrs']>> {
  const out: ReturnType<NonNullable<SaltDeps['interfaceAddrs']>> = [];
  for (const [iface, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) out.push({ iface, address: a.address, family: a.family === 'IPv4' ? 4 : 6 });
  }
  return out;
}

/** Everything a render on the box can ask (local apply, agent). */
export function boxSaltDeps(): Pick<SaltDeps, 'exec' | 'userInfo' | 'pkgVersion' | 'fs' | 'interfaceAddrs'> {
  return { exec: boxExec, userInfo: passwdUserInfo('/'), pkgVersion: dpkgVersion, fs: realFs, interfaceAddrs: liveInterfaceAddrs };
}
