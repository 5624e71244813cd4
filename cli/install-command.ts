import { Flags } from '@oclif/core';
import { join } from 'node:path';
import { UmecError } from '../lib/errors.js';
import { UmecCommand } from './base-command.js';
import type { Role } from './install.js';

/** `umec agent install` and `umec master install`: the same shape for both roles. */
export function installCommand(role: Role) {
  return class extends UmecCommand {
    static summary = `Install the ${role} as a systemd service: unit with hardening, default config (idempotent)`;
    static flags = {
      root: Flags.string({ description: 'write under this root instead of / (image builds, tests); systemctl is not run then', default: '/' }),
      config: Flags.string({ char: 'c', description: `${role} config path (on the box)`, default: `/etc/umec/${role}.yaml` }),
      'data-dir': Flags.string({ description: 'data directory (on the box)', default: `/var/lib/umec/${role}` }),
      exec: Flags.string({ description: 'command that runs umec (default: this node and this checkout)' }),
      'no-enable': Flags.boolean({ description: 'do not run systemctl enable' }),
      now: Flags.boolean({ description: 'also start the service' }),
      ...(role === 'agent' ? {
        confined: Flags.boolean({ description: 'NoNewPrivileges and a read-only system (boxes whose agent only runs containers)' }),
        master: Flags.string({ description: 'master address for a new config' }),
        'master-pubkey': Flags.string({ description: 'master public key for a new config' }),
        id: Flags.string({ description: 'agent id for a new config' }),
      } : {}),
      json: Flags.boolean({ description: 'print JSON' }),
    };

    async run(): Promise<void> {
      const { flags } = await this.parse(this.constructor as never) as unknown as { flags: Record<string, string | boolean | undefined> & { root: string; config: string; 'data-dir': string; json: boolean } };
      for (const k of ['config', 'data-dir'] as const) if (!flags[k].startsWith('/')) throw new UmecError('USAGE', { reason: `--${k} must be an absolute path` });
      if (!flags.root.startsWith('/')) throw new UmecError('USAGE', { reason: '--root must be an absolute path' });
      const { planInstall, executeInstall, enableUnit } = await import('./install.js');
      const settings: Record<string, string> = {};
      for (const [flag, key] of [['master', 'master'], ['master-pubkey', 'master_pubkey'], ['id', 'id']] as const) {
        if (typeof flags[flag] === 'string') settings[key] = flags[flag];
      }
      const opts = { role, root: flags.root, config: flags.config, dataDir: flags['data-dir'], exec: flags.exec as string | undefined, confined: flags.confined === true, settings };
      const steps = await executeInstall(planInstall(opts), [join(flags.root, flags['data-dir'])]);
      const real = flags.root === '/' && !flags['no-enable'];
      const ran = real ? await enableUnit(role, steps[0].action !== 'unchanged', flags.now === true) : [];
      if (flags.json) { this.log(JSON.stringify({ steps, ran }, null, 2)); return; }
      for (const s of steps) this.log(`${s.action.padEnd(9)} ${s.path}`);
      for (const r of ran) this.log(`ran       ${r}`);
      if (!real) this.log(`systemctl not run (${flags.root === '/' ? '--no-enable' : `--root ${flags.root}`})`);
    }
  };
}
