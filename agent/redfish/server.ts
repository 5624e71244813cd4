import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { FirmwareEngine, PowerDriver } from '../../firmware/types.js';
import type { Logger } from '../../lib/log.js';
import { AccountStore } from './accounts.js';
import type { RedfishConfig } from './config.js';
import type { HostnameDriver, RedfishDeps } from './context.js';
import { LinuxHardware, type HardwareSource } from './hardware.js';
import { systemdHostname } from './hostname.js';
import { createRedfishApp } from './plugin.js';
import { DEFAULT_SESSION_LIMITS, SessionStore } from './sessions.js';
import { SettingsStore } from './settings.js';
import { TaskStore } from './tasks.js';
import { loadOrCreateTls } from './tls.js';

export const UMEC_VERSION = '0.1.0';

export interface RedfishServer {
  app: FastifyInstance;
  deps: RedfishDeps;
  /** https://host:port (or http:// with insecure_http). */
  url: string;
  /** SHA-256 fingerprint of the certificate served, for clients that pin it. */
  fingerprint?: string;
  close(): Promise<void>;
}

export interface RedfishStartOptions {
  config: RedfishConfig;
  dataDir: string;
  systemId: string;
  log: Logger;
  firmware?: FirmwareEngine;
  power?: PowerDriver;
  hostname?: HostnameDriver;
  hardware?: HardwareSource;
}

/** Stores from data_dir, TLS, the fastify app listening: what the agent daemon starts when `redfish:` is configured. */
export async function startRedfishServer(o: RedfishStartOptions): Promise<RedfishServer> {
  const c = o.config;
  const dir = join(o.dataDir, 'redfish');
  const accounts = await new AccountStore(c.accounts_file ?? join(dir, 'accounts.json'),
    { threshold: c.lockout_threshold, duration: c.lockout_duration, resetAfter: c.lockout_duration }).load();
  const settings = await new SettingsStore(join(dir, 'settings.json'), { sessionTimeout: c.session_timeout }).load();
  const tls = c.insecure_http ? undefined : await loadOrCreateTls({ cert: c.tls?.cert, key: c.tls?.key, dir: join(dir, 'tls') });
  const log = o.log.child({ area: 'redfish' });
  const deps: RedfishDeps = {
    systemId: o.systemId, version: UMEC_VERSION, accounts, settings,
    sessions: new SessionStore(settings.get().sessionTimeout, {
      total: c.session_limit ?? DEFAULT_SESSION_LIMITS.total, perAccount: c.session_limit_per_account ?? DEFAULT_SESSION_LIMITS.perAccount,
    }), tasks: new TaskStore(),
    hardware: o.hardware ?? new LinuxHardware({ sysfsRoot: c.sysfs_root }), hostname: o.hostname ?? systemdHostname(),
    firmware: o.firmware, power: o.power, log,
    protocol: c.insecure_http ? { http: c.port } : { https: c.port },
  };
  const app = await createRedfishApp(deps, tls ? { https: { key: tls.key, cert: tls.cert } } : {});
  await app.listen({ port: c.port, host: c.bind });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : c.port;
  const host = c.bind.includes(':') ? `[${c.bind}]` : c.bind;
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  if (tls?.generated) log.warn({ cert: tls.certFile, fingerprint: tls.fingerprint }, 'made a self-signed Redfish certificate; configure redfish.tls to use your own');
  if (!tls) log.warn('Redfish served over plain HTTP (insecure_http): for tests only');
  log.info({ url, fingerprint: tls?.fingerprint, firmware: !!o.firmware }, 'Redfish service listening');
  if (!accounts.list().length) log.warn({ file: accounts.file }, 'no Redfish accounts yet: create the first with `umec redfish user add NAME --role Administrator`');
  return { app, deps, url, fingerprint: tls?.fingerprint, close: () => app.close() };
}
