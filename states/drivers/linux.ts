import type { Drivers } from '../types.js';
import { AptPkgDriver } from './apt.js';
import { CrontabCommandDriver } from './crontab.js';
import { ProcessRunner } from './exec.js';
import { FileHostsDriver } from './hosts-file.js';
import { ShadowUserDriver } from './shadow.js';
import { SystemdServiceDriver } from './systemd.js';

/** The real Linux drivers: apt/dpkg, systemd, shadow-utils, processes. */
export function linuxDrivers(): Drivers {
  const exec = new ProcessRunner();
  return {
    exec,
    pkg: new AptPkgDriver(exec),
    service: new SystemdServiceDriver(exec),
    users: new ShadowUserDriver({ runner: exec, root: '/' }),
    cron: new CrontabCommandDriver(exec),
    hosts: new FileHostsDriver(),
  };
}
