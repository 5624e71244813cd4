import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandRunner, ExecOptions, ExecResult } from '../../states/types.js';
import { tempDir } from './context.js';

export const CRONTAB_SPOOL = '/var/spool/cron/crontabs';

export interface BindMount { src: string; dst: string; readOnly?: boolean }

/**
 * Runs each command in its own mount namespace with temporary directories bind-mounted over
 * system paths (crontab's spool, /proc/sys, ...), so real binaries (crontab, sysctl) read and
 * write there and the box itself stays untouched.
 */
export class PrivateMountRunner implements CommandRunner {
  constructor(private readonly inner: CommandRunner, readonly binds: BindMount[]) {}

  run(cmd: string | string[], opts?: ExecOptions): Promise<ExecResult> {
    const argv = typeof cmd === 'string' ? ['/bin/sh', '-c', cmd] : cmd;
    // $1..$n of the script are the sources; the command follows them.
    const mounts = this.binds.map((b, i) => `mount -o bind${b.readOnly ? ',ro' : ''} "$${i + 1}" ${b.dst}`);
    const script = `${mounts.join(' && ')} && shift ${this.binds.length} && exec "$@"`;
    return this.inner.run(['unshare', '-m', '/bin/sh', '-c', script, 'private-mounts', ...this.binds.map((b) => b.src), ...argv], opts);
  }
}

/** A temporary spool directory with crontab's own mode (1730). */
export async function makeSpool(): Promise<{ spool: string; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir('umec-cron-');
  const spool = join(dir, 'crontabs');
  await mkdir(spool);
  await chmod(spool, 0o1730);
  return { spool, cleanup };
}
