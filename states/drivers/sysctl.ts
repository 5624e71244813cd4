import { stat } from 'node:fs/promises';
import type { CommandRunner } from '../types.js';
import { RootFiles } from './root-files.js';
import type { SysctlDriver } from './sysconf.js';

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Kernel parameters through procps' `sysctl` and config files under a root directory.
 * The live values are whatever /proc/sys the commands see: a test runs them in a private
 * mount namespace over a file-backed /proc/sys, so the box's kernel is never changed.
 */
export class LinuxSysctlDriver implements SysctlDriver {
  constructor(private readonly runner: CommandRunner, private readonly files = new RootFiles(), private readonly sysctl = 'sysctl') {}

  async defaultConfig(): Promise<string> {
    // salt.utils.systemd.booted: /run/systemd/system exists (Debian 12's systemd is far above 207).
    const booted = await stat(this.files.path('/run/systemd/system')).then((s) => s.isDirectory(), () => false);
    return booted ? '/etc/sysctl.d/99-salt.conf' : '/etc/sysctl.conf';
  }

  readConfig(path: string): Promise<string | undefined> { return this.files.read(path); }

  writeConfig(path: string, text: string): Promise<void> { return this.files.write(path, text); }

  async get(name: string): Promise<string | undefined> {
    const r = await this.runner.run([this.sysctl, '-n', name]);
    return r.code === 0 ? r.stdout.replace(/\s+$/, '') : undefined;
  }

  async assign(name: string, value: string): Promise<void> {
    if (await this.get(name) === undefined) throw new Error(`sysctl ${name} does not exist`);
    const r = await this.runner.run([this.sysctl, '-w', `${name}=${value}`]);
    const out = r.stdout.replace(/\s+$/, '');
    // sysctl echoes "name = value" on success (salt.modules.linux_sysctl.assign checks the same).
    if (!new RegExp(`^${escapeRe(name)}\\s+=\\s+${escapeRe(value)}$`).test(out) || r.stderr.includes('Invalid argument')) {
      throw new Error(`sysctl -w failed: ${r.code !== 0 && r.stderr ? r.stderr.replace(/\s+$/, '') : out}`);
    }
  }
}
