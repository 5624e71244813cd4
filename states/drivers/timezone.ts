import { lstat, readFile, readlink, symlink, unlink } from 'node:fs/promises';
import { isAbsolute, join, dirname } from 'node:path';
import type { CommandRunner } from '../types.js';
import { RootFiles } from './root-files.js';
import type { HwClock, TimezoneDriver } from './sysconf.js';
import { isNotFound } from '../../lib/errors.js';

const LOCALTIME = '/etc/localtime';
const ZONEINFO = '/usr/share/zoneinfo';

/** Thrown for a zone without a zoneinfo file (Salt raises SaltInvocationError). */
export class UnknownZoneError extends Error {}

function lastLines(text: string): string {
  return text.replace(/\s+$/, '');
}

/**
 * Debian's time zone handling as Salt's timezone module does it: zone_compare reads the
 * bytes of /etc/localtime against the zoneinfo file; set_zone runs `timedatectl set-timezone`
 * (when the box has timedatectl), then links /etc/localtime to the zone file and writes
 * /etc/timezone. The hardware clock goes through timedatectl, or /etc/default/rcS and
 * /etc/adjtime without it. Paths are under `files.root`; symlinks are resolved inside it.
 */
export class DebianTimezoneDriver implements TimezoneDriver {
  constructor(private readonly runner: CommandRunner, private readonly files = new RootFiles(),
    /** The timedatectl command, or undefined where the box has none. */
    private readonly timedatectl?: string) {}

  /** Follows symlinks of an absolute system path within the root (absolute targets are root-relative). */
  private async resolve(abs: string): Promise<string> {
    let p = abs;
    for (let i = 0; i < 40; i++) {
      const st = await lstat(this.files.path(p)).catch(() => undefined);
      if (!st?.isSymbolicLink()) return this.files.path(p);
      const t = await readlink(this.files.path(p));
      p = isAbsolute(t) ? t : join(dirname(p), t);
    }
    throw new Error(`too many levels of symbolic links: ${abs}`);
  }

  async zoneCompare(zone: string): Promise<boolean> {
    const zonePath = `${ZONEINFO}/${zone}`;
    const want = await readFile(await this.resolve(zonePath)).catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'ENOENT' ? new UnknownZoneError(`Can't find a local timezone "${zone}"`) : e;
    });
    const cur = await readFile(await this.resolve(LOCALTIME)).catch((e: NodeJS.ErrnoException) => {
      throw new Error(`Failed to read ${LOCALTIME} to determine current timezone: ${e.message}`);
    });
    return cur.equals(want);
  }

  async getHwclock(): Promise<HwClock> {
    if (this.timedatectl) {
      const r = await this.runner.run([this.timedatectl]);
      if (r.code !== 0) throw new Error(`timedatectl failed: ${lastLines(r.stderr)}`);
      for (const line of r.stdout.split('\n').map((l) => l.trim())) {
        if (line.toLowerCase().includes('rtc in local tz')) return line.split(':').pop()!.trim().toLowerCase() === 'yes' ? 'localtime' : 'UTC';
      }
      throw new Error(`Failed to parse timedatectl output: ${r.stdout}`);
    }
    // Debian before systemd: UTC= in /etc/default/rcS; since Wheezy: the third line of /etc/adjtime.
    const rcs = await this.files.read('/etc/default/rcS');
    for (const line of (rcs ?? '').split('\n')) {
      if (/^\s*#/.test(line) || !line.includes('UTC=')) continue;
      return line.split('=').pop()!.toLowerCase() === 'yes' ? 'UTC' : 'localtime';
    }
    const adjtime = await this.files.read('/etc/adjtime');
    return adjtime?.split('\n')[2]?.trim() === 'LOCAL' ? 'localtime' : 'UTC';
  }

  async setZone(zone: string): Promise<void> {
    // Salt ignores timedatectl's outcome here and always makes the files right itself.
    if (this.timedatectl) await this.runner.run([this.timedatectl, 'set-timezone', zone]);
    const zonePath = `${ZONEINFO}/${zone}`;
    await lstat(this.files.path(zonePath)).catch(() => { throw new UnknownZoneError(`Zone does not exist: ${zonePath}`); });
    await unlink(this.files.path(LOCALTIME)).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
    await symlink(zonePath, this.files.path(LOCALTIME));
    await this.files.write('/etc/timezone', `${zone.trim()}\n`);
  }

  async setHwclock(clock: HwClock): Promise<boolean> {
    if (this.timedatectl) {
      const r = await this.runner.run([this.timedatectl, 'set-local-rtc', clock === 'localtime' ? 'true' : 'false']);
      return r.code === 0;
    }
    // Salt's file.sed on /etc/default/rcS (only an existing UTC= line changes); Debian since Wheezy
    // reads the mode from /etc/adjtime's third line, which is set as `timedatectl set-local-rtc` does.
    const rcs = await this.files.read('/etc/default/rcS');
    if (rcs !== undefined) await this.files.write('/etc/default/rcS', rcs.replace(/^UTC=.*$/gm, clock === 'UTC' ? 'UTC=yes' : 'UTC=no'));
    const mode = clock === 'UTC' ? 'UTC' : 'LOCAL';
    const adjtime = await this.files.read('/etc/adjtime');
    if (adjtime !== undefined) {
      const lines = adjtime.split('\n');
      while (lines.length < 3) lines.push('');
      lines[2] = mode;
      await this.files.write('/etc/adjtime', lines.join('\n').replace(/\n*$/, '\n'));
    } else if (mode === 'LOCAL') {
      await this.files.write('/etc/adjtime', '0.0 0 0.0\n0\nLOCAL\n');
    }
    return true;
  }
}
