import { existsSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandRunner, ExecResult, ServiceDriver, ServiceStatus } from '../types.js';

const UNIT_SUFFIXES = ['.service', '.socket', '.device', '.mount', '.automount', '.swap', '.target',
  '.path', '.timer', '.slice', '.scope'];

/** `nginx` -> `nginx.service`; names that already carry a unit suffix are left alone. */
export function unitName(name: string): string {
  return UNIT_SUFFIXES.some((s) => name.endsWith(s)) ? name : `${name}.service`;
}

/** ActiveState values that mean the unit is (becoming) up. */
const ACTIVE_STATES = new Set(['active', 'reloading', 'activating']);

/**
 * UnitFileState values for which `systemctl is-enabled` exits 0. `static` units (no
 * [Install] section, started as dependencies) count as enabled: there is nothing to enable.
 */
const ENABLED_STATES = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated', 'transient']);

/** Parses `systemctl show -p LoadState -p ActiveState -p UnitFileState` key=value output. */
export function parseShow(stdout: string): ServiceStatus {
  const props = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const load = props.get('LoadState') ?? 'not-found';
  return {
    exists: load !== 'not-found' && load !== '',
    active: ACTIVE_STATES.has(props.get('ActiveState') ?? ''),
    enabled: ENABLED_STATES.has(props.get('UnitFileState') ?? ''),
  };
}

function lastLines(text: string, n = 5): string {
  return text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '').slice(-n).join('\n');
}

/** Services managed by systemd through systemctl. */
export class SystemdServiceDriver implements ServiceDriver {
  /**
   * `root`: an alternative root directory for mask/unmask (systemctl --root), for images and tests.
   * `booted`: whether systemd runs as init (sd_booted: /run/systemd/system exists).
   */
  constructor(private readonly runner: CommandRunner, private readonly opts: { root?: string; booted?: () => boolean } = {}) {}

  /** Salt's systemd offline mode: systemd installed but not running (a chroot, an image build). */
  offline(): Promise<boolean> {
    return Promise.resolve(!(this.opts.booted ?? (() => existsSync('/run/systemd/system')))());
  }

  private async systemctl(args: string[]): Promise<ExecResult> {
    const argv = ['systemctl', ...args];
    let r: ExecResult;
    try {
      r = await this.runner.run(argv, { env: { LC_ALL: 'C', LANG: 'C', SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0' } });
    } catch (e) {
      throw new Error(`${argv.join(' ')} could not be run: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (r.code !== 0) {
      const how = r.timedOut ? 'timed out' : r.signal ? `was killed by ${r.signal}` : `exited with code ${r.code}`;
      const tail = lastLines(r.stderr) || lastLines(r.stdout);
      throw new Error(`${argv.join(' ')} ${how}${tail ? `: ${tail}` : ''}`);
    }
    return r;
  }

  async status(name: string): Promise<ServiceStatus> {
    const r = await this.systemctl(['show', '-p', 'LoadState', '-p', 'ActiveState', '-p', 'UnitFileState', unitName(name)]);
    return parseShow(r.stdout);
  }

  async start(name: string): Promise<void> { await this.systemctl(['start', unitName(name)]); }
  async stop(name: string): Promise<void> { await this.systemctl(['stop', unitName(name)]); }
  async restart(name: string): Promise<void> { await this.systemctl(['restart', unitName(name)]); }
  async reload(name: string): Promise<void> { await this.systemctl(['reload', unitName(name)]); }
  async enable(name: string): Promise<void> { await this.systemctl(['enable', unitName(name)]); }
  async disable(name: string): Promise<void> { await this.systemctl(['disable', unitName(name)]); }

  /** Salt's systemd.masked: the unit file in /etc (or /run for runtime) is a link to /dev/null. */
  async masked(name: string, runtime: boolean): Promise<boolean> {
    const dir = runtime ? '/run/systemd/system' : '/etc/systemd/system';
    try {
      return await readlink(join(this.opts.root ?? '/', dir, unitName(name))) === '/dev/null';
    } catch {
      return false;
    }
  }

  async mask(name: string, runtime: boolean): Promise<void> { await this.systemctl(this.maskArgs('mask', name, runtime)); }
  async unmask(name: string, runtime: boolean): Promise<void> { await this.systemctl(this.maskArgs('unmask', name, runtime)); }

  private maskArgs(verb: string, name: string, runtime: boolean): string[] {
    return [...(this.opts.root ? [`--root=${this.opts.root}`] : []), verb, ...(runtime ? ['--runtime'] : []), unitName(name)];
  }
}
