import { existsSync } from 'node:fs';
import type { ProcessHooks } from '../../lib/exec.js';
import type { Drivers } from '../types.js';
import { AptPkgDriver } from './apt.js';
import { CrontabCommandDriver } from './crontab.js';
import { ProcessRunner } from './exec.js';
import { RootFiles } from './root-files.js';
import { FileHostsDriver } from './hosts-file.js';
import { DebianLocaleDriver } from './locale.js';
import { ShadowUserDriver } from './shadow.js';
import { LocalSshDriver } from './ssh-files.js';
import { LinuxSysctlDriver } from './sysctl.js';
import { DebianTimezoneDriver } from './timezone.js';
import { SystemdServiceDriver } from './systemd.js';

/** The real Linux drivers: apt/dpkg, systemd, shadow-utils, processes. */
/** `processes`: told of every command started and ended (the agent journals their process groups). */
export function linuxDrivers(o: { processes?: ProcessHooks } = {}): Drivers {
  const exec = new ProcessRunner(o.processes);
  const pkg = new AptPkgDriver(exec);
  return {
    exec,
    pkg,
    aptRepos: { root: '/', refresh: () => pkg.refresh() },
    service: new SystemdServiceDriver(exec),
    users: new ShadowUserDriver({ runner: exec, root: '/' }),
    cron: new CrontabCommandDriver(exec),
    hosts: new FileHostsDriver(),
    sysctl: new LinuxSysctlDriver(exec),
    locale: new DebianLocaleDriver(exec),
    ssh: new LocalSshDriver(exec),
    timezone: new DebianTimezoneDriver(exec, new RootFiles(), existsSync('/usr/bin/timedatectl') ? 'timedatectl' : undefined),
  };
}
