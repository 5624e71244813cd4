import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import type { HostnameDriver } from './context.js';

const run = promisify(execFile);

/** hostnamectl on systemd boxes: sets the static host name, which survives a reboot. */
export function systemdHostname(): HostnameDriver {
  return {
    get: async () => hostname(),
    set: async (name) => { await run('hostnamectl', ['set-hostname', '--static', '--transient', name], { timeout: 10_000 }); },
  };
}
