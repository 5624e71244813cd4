import { join, posix } from 'node:path';
import { UmecError } from '../lib/errors.js';
import { JsonStore } from '../lib/json-store.js';
import { Serial } from '../lib/serial.js';
import type { AppDescriptor } from '../states/apps/descriptor.js';

/**
 * Capabilities a container may add without an exception: Docker's default set, which a
 * container has anyway. Anything else (SYS_ADMIN, NET_ADMIN, SYS_MODULE, SYS_PTRACE, BPF, ALL...)
 * reaches past the container and needs an admin's exception.
 */
const HARMLESS_CAPS = new Set(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'NET_BIND_SERVICE', 'NET_RAW', 'SYS_CHROOT', 'MKNOD', 'AUDIT_WRITE', 'SETFCAP']);

/** master.yaml `app_policy`: host paths app containers may bind-mount (the path itself or below it). */
export interface AppPolicyConfig { host_paths: string[] }

/**
 * What a package asks for that reaches past its containers, as `field: why` problems with the
 * exception an admin grants to allow it (`umec app allow NAME EXCEPTION`). Exceptions:
 * `host_network`, `host_namespace`, `cap:NAME`, `user_root`, `host_path:/path`.
 */
export function packagePolicyProblems(d: AppDescriptor, policy: AppPolicyConfig, allowed: readonly string[]): Array<{ field: string; reason: string; exception: string }> {
  const out: Array<{ field: string; reason: string; exception: string }> = [];
  const has = (x: string) => allowed.includes(x);
  const inside = (p: string, root: string) => p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);
  d.containers.forEach((c, i) => {
    const at = `containers.${i}`;
    const net = c.network_mode as string | undefined;
    if (net === 'host' && !has('host_network')) out.push({ field: `${at}.network_mode`, reason: 'host shares the box\'s network namespace', exception: 'host_network' });
    else if (net !== undefined && /^(container|ns|pid|ipc):/.test(net) && !has('host_namespace')) {
      out.push({ field: `${at}.network_mode`, reason: `${net} joins another namespace`, exception: 'host_namespace' });
    }
    for (const [j, cap] of ((c.cap_add ?? []) as string[]).entries()) {
      const name = cap.replace(/^CAP_/, '');
      if (!HARMLESS_CAPS.has(name) && !has(`cap:${name}`)) out.push({ field: `${at}.cap_add.${j}`, reason: `${name} is a privileged capability`, exception: `cap:${name}` });
    }
    const user = c.user as string | undefined;
    if (user !== undefined && /^(0|root)(:|$)/.test(user) && !has('user_root')) out.push({ field: `${at}.user`, reason: `${JSON.stringify(user)} runs the container as root`, exception: 'user_root' });
    for (const [j, v] of ((c.volumes ?? []) as string[]).entries()) {
      const source = v.split(':')[0];
      if (!source.startsWith('/')) continue; // a named volume stays inside the runtime
      const p = posix.normalize(source).replace(/(.)\/+$/, '$1');
      if (source.split('/').some((s) => s === '..' || s === '.')) { out.push({ field: `${at}.volumes.${j}`, reason: `${source} is not a plain absolute path (no . or .. parts; no exception allows it)`, exception: '' }); continue; }
      if (policy.host_paths.some((r) => inside(p, posix.normalize(r))) || allowed.some((a) => a.startsWith('host_path:') && inside(p, a.slice('host_path:'.length)))) continue;
      out.push({ field: `${at}.volumes.${j}`, reason: `host path ${p} is outside the paths apps may mount (app_policy.host_paths: ${policy.host_paths.join(', ') || 'none'})`, exception: `host_path:${p}` });
    }
  });
  return out;
}

/** Refuses a package the policy does not allow, naming every field and the exception that would allow it. */
export function checkPackagePolicy(d: AppDescriptor, file: string, policy: AppPolicyConfig, allowed: readonly string[]): void {
  const problems = packagePolicyProblems(d, policy, allowed);
  if (!problems.length) return;
  const list = problems.map((p) => `${p.field}: ${p.reason}`).join('; ');
  const grant = [...new Set(problems.map((p) => p.exception).filter(Boolean))].join(' ');
  throw new UmecError('APP_PACKAGE', { file, reason: `refused by the package policy: ${list}${grant ? ` (an admin allows it with: umec app allow ${d.name} ${grant})` : ''}` });
}

const EXCEPTION = /^(host_network|host_namespace|user_root|cap:[A-Z_]{1,40}|host_path:\/[^\s:]*)$/;

/** Exceptions to the package policy an admin granted, by app name (data_dir/app-policy.json). */
export class AppExceptions {
  private byName: Record<string, string[]> = {};
  private readonly lock = new Serial();

  private constructor(private readonly file: JsonStore<{ packages: Record<string, string[]> }>) {}

  static async open(dataDir: string): Promise<AppExceptions> {
    const file = new JsonStore<{ packages: Record<string, string[]> }>(join(dataDir, 'app-policy.json'), {
      what: 'app package exceptions', hint: 'restore it, or remove it to drop every exception granted with umec app allow', indent: 1,
      check: (v) => {
        const p = (v as { packages?: unknown } | null)?.packages;
        if (!p || typeof p !== 'object' || Array.isArray(p)) throw new Error('no "packages" mapping');
        return v as { packages: Record<string, string[]> };
      },
    });
    const s = new AppExceptions(file);
    s.byName = (await file.read())?.packages ?? {};
    return s;
  }

  get(name: string): string[] { return Object.hasOwn(this.byName, name) ? [...this.byName[name]] : []; }

  update(name: string, allow: string[], revoke: string[]): Promise<string[]> {
    for (const x of allow) {
      if (!EXCEPTION.test(x)) throw new UmecError('USAGE', { reason: `unknown exception ${JSON.stringify(x).slice(0, 80)} (host_network, host_namespace, user_root, cap:NAME, host_path:/path)` });
    }
    return this.lock.run(async () => {
      const next = { ...this.byName };
      const cur = new Set([...this.get(name), ...allow.map((x) => x.replace(/^cap:CAP_/, 'cap:'))]);
      for (const r of revoke) cur.delete(r);
      if (cur.size) next[name] = [...cur].sort();
      else delete next[name];
      await this.file.write({ packages: next });
      this.byName = next;
      return this.get(name);
    });
  }
}
