import { AptPkgDriver } from '../drivers/apt.js';
import { ProcessRunner } from '../drivers/exec.js';
import { ShadowUserDriver } from '../drivers/shadow.js';
import { SystemdServiceDriver } from '../drivers/systemd.js';
import type { Drivers, StateModule } from '../types.js';
import { cmdModule } from './cmd.js';
import { fileModule } from './file/index.js';
import { groupModule } from './group.js';
import { pkgModule } from './pkg.js';
import { serviceModule } from './service.js';
import { testModule } from './test.js';
import { userModule } from './user.js';

export function builtinModules(): StateModule[] {
  return [fileModule, cmdModule, pkgModule, serviceModule, userModule, groupModule, testModule];
}

/** The real Linux drivers: apt/dpkg, systemd, shadow-utils, processes. */
export function linuxDrivers(): Drivers {
  const exec = new ProcessRunner();
  return {
    exec,
    pkg: new AptPkgDriver(exec),
    service: new SystemdServiceDriver(exec),
    users: new ShadowUserDriver({ runner: exec, root: '/' }),
  };
}
