import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandRunner, ExecOptions, ExecResult } from '../../states/types.js';
import { tempDir } from './context.js';

export const CRONTAB_SPOOL = '/var/spool/cron/crontabs';

/**
 * Runs each command in its own mount namespace with a temporary directory bind-mounted over
 * crontab's spool, so the real `crontab` binary reads and installs crontabs there and the
 * box's own crontabs stay untouched.
 */
export class PrivateSpoolRunner implements CommandRunner {
  constructor(private readonly inner: CommandRunner, readonly spool: string) {}

  run(cmd: string | string[], opts?: ExecOptions): Promise<ExecResult> {
    const argv = typeof cmd === 'string' ? ['/bin/sh', '-c', cmd] : cmd;
    return this.inner.run(['unshare', '-m', '/bin/sh', '-c', `mount --bind "$0" ${CRONTAB_SPOOL} && exec "$@"`, this.spool, ...argv], opts);
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
