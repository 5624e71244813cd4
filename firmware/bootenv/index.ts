import type { CommandRunner } from '../../lib/drivers.js';
import type { BootEnvSettings } from '../config.js';
import { FileBootEnv } from './file.js';
import { GrubEnv } from './grub.js';
import type { BootEnv } from './types.js';
import { UBootEnv } from './uboot.js';

export type { BootEnv };

export function createBootEnv(s: BootEnvSettings, exec: CommandRunner, workDir: string): BootEnv {
  switch (s.driver) {
    case 'uboot':
      return new UBootEnv({ config: s.config, envFile: s.env_file, envSize: s.env_size, redundant: s.redundant,
        defaultsFile: s.defaults_file, workDir }, exec);
    case 'grub': return new GrubEnv(s.grubenv, exec);
    case 'file': return new FileBootEnv(s.path);
  }
}
