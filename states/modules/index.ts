import { linuxDrivers } from '../drivers/linux.js';
import type { StateModule } from '../types.js';
import { appModule } from './app.js';
import { archiveModule } from './archive/index.js';
import { cmdModule } from './cmd.js';
import { containerModule } from './container.js';
import { cronModule } from './cron/index.js';
import { fileModule } from './file/index.js';
import { firmwareModule } from './firmware.js';
import { groupModule } from './group.js';
import { hostModule } from './host/index.js';
import { imageModule } from './image.js';
import { localeModule } from './locale/index.js';
import { pkgModule } from './pkg.js';
import { pkgrepoModule } from './pkgrepo.js';
import { serviceModule } from './service.js';
import { sshAuthModule } from './ssh/auth.js';
import { sshKnownHostsModule } from './ssh/known-hosts.js';
import { sysctlModule } from './sysctl/index.js';
import { testModule } from './test.js';
import { timezoneModule } from './timezone.js';
import { userModule } from './user.js';

export function builtinModules(): StateModule[] {
  return [fileModule, cmdModule, pkgModule, serviceModule, userModule, groupModule, testModule,
    containerModule, imageModule, appModule, firmwareModule,
    cronModule,
    hostModule,
    sysctlModule,
    timezoneModule,
    localeModule,
    sshAuthModule,
    sshKnownHostsModule,
    pkgrepoModule,
    archiveModule,
  ];
}

export { linuxDrivers };
