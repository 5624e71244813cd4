import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FirmwareEngine, PowerDriver } from '../../firmware/types.js';
import type { RedfishConfig } from '../../agent/redfish/config.js';
import type { HostnameDriver } from '../../agent/redfish/context.js';
import { startRedfishServer, type RedfishServer } from '../../agent/redfish/server.js';
import { AccountStore } from '../../agent/redfish/accounts.js';
import { createLogger } from '../../lib/log.js';
import { RecordingPower } from '../doubles/recording-power.js';
import { tempDir } from './context.js';
import { freePort } from './net.js';
import { RedfishSchemas } from './redfish-schemas.js';

export { REDFISH_SPECS } from './redfish-schemas.js';
let schemas: RedfishSchemas | undefined;
/** Compiled once per test process: every fetched JSON response is validated against its DMTF schema. */
export const redfishSchemas = () => (schemas ??= new RedfishSchemas());

export const PASSWORDS = { admin: 'admin-pass-1', operator: 'operator-pass-1', reader: 'reader-pass-1' } as const;

export interface Reply { status: number; headers: IncomingHttpHeaders; text: string; body: Record<string, unknown> }

/** Records host name changes instead of renaming the test machine. */
export class RecordingHostname implements HostnameDriver {
  name = 'umec-test-box';
  readonly set_: string[] = [];
  async get() { return this.name; }
  async set(n: string) { this.set_.push(n); this.name = n; }
}

/** A fake sysfs tree (thermal zones, hwmon chips) written as files: what the kernel would show. */
export async function writeSysfs(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), `${text}\n`);
  }
}

export const BOARD_SYSFS = {
  'class/thermal/thermal_zone0/type': 'cpu-thermal',
  'class/thermal/thermal_zone0/temp': '48312',
  'class/thermal/thermal_zone1/type': 'board-thermal',
  'class/thermal/thermal_zone1/temp': '39000',
  'class/hwmon/hwmon0/name': 'pwmfan',
  'class/hwmon/hwmon0/fan1_input': '3120',
  'class/hwmon/hwmon1/name': 'ina219',
  'class/hwmon/hwmon1/power1_input': '5250000',
  'class/hwmon/hwmon1/in1_input': '5040',
  'class/hwmon/hwmon1/curr1_input': '1042',
  'class/hwmon/hwmon1/in1_label': 'VIN',
};

export interface TestService {
  server: RedfishServer;
  dir: string;
  power: RecordingPower;
  hostname: RecordingHostname;
  url: string;
  /** A request over the real socket; JSON replies are schema-checked unless `validate: false`. */
  req(method: string, path: string, o?: { body?: unknown; raw?: string | Buffer; auth?: keyof typeof PASSWORDS | { user: string; pass: string }; token?: string; headers?: Record<string, string>; validate?: boolean }): Promise<Reply>;
  login(user: keyof typeof PASSWORDS): Promise<{ token: string; location: string }>;
  close(): Promise<void>;
}

/**
 * A Redfish service on 127.0.0.1 over HTTPS (self-signed cert made in a temp data_dir,
 * the client trusts exactly that cert) with three accounts, a fake sysfs tree and
 * recording power and host name drivers.
 */
export async function startTestService(o: { firmware?: FirmwareEngine; power?: PowerDriver; http?: boolean; sysfs?: Record<string, string>; config?: Partial<RedfishConfig> } = {}): Promise<TestService> {
  const { dir, cleanup } = await tempDir('umec-redfish-');
  const sysfsRoot = join(dir, 'sys');
  await writeSysfs(sysfsRoot, o.sysfs ?? BOARD_SYSFS);
  const accounts = new AccountStore(join(dir, 'redfish', 'accounts.json'), { threshold: 3, duration: 60, resetAfter: 60 });
  await accounts.load();
  await accounts.create({ username: 'admin', password: PASSWORDS.admin, role: 'Administrator' });
  await accounts.create({ username: 'operator', password: PASSWORDS.operator, role: 'Operator' });
  await accounts.create({ username: 'reader', password: PASSWORDS.reader, role: 'ReadOnly' });
  const power = (o.power as RecordingPower | undefined) ?? new RecordingPower();
  const hostname = new RecordingHostname();
  const config: RedfishConfig = {
    enabled: true, port: await freePort(), bind: '127.0.0.1', insecure_http: o.http ?? false, session_timeout: 1800,
    lockout_threshold: 3, lockout_duration: 60, sysfs_root: sysfsRoot, ...o.config,
  };
  const server = await startRedfishServer({
    config, dataDir: dir, systemId: 'box1', log: createLogger({ name: 'redfish-test', level: 'silent' }),
    firmware: o.firmware, power, hostname,
  });
  const ca = o.http ? undefined : await readFile(join(dir, 'redfish', 'tls', 'cert.pem'), 'utf8');
  const v = redfishSchemas();
  const req: TestService['req'] = (method, path, r = {}) => new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...r.headers };
    const payload = r.raw ?? (r.body !== undefined ? JSON.stringify(r.body) : undefined);
    if (payload !== undefined) { headers['content-type'] ??= 'application/json'; headers['content-length'] = String(Buffer.byteLength(payload)); }
    if (r.auth) {
      const { user, pass } = typeof r.auth === 'string' ? { user: r.auth, pass: PASSWORDS[r.auth] } : r.auth;
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    if (r.token) headers['x-auth-token'] = r.token;
    const u = new URL(path, server.url);
    const send = o.http ? httpRequest : httpsRequest;
    const cr = send(u, { method, headers, ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        if (/json/.test(String(res.headers['content-type'])) && text) {
          try { body = JSON.parse(text) as Record<string, unknown>; } catch (e) { reject(e); return; }
          if (r.validate !== false && (body['@odata.type'] || body.error)) {
            try { v.validate(body, `${method} ${path}`); } catch (e) { reject(e); return; }
          }
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, body });
      });
    });
    cr.on('error', reject);
    if (payload !== undefined) cr.write(payload);
    cr.end();
  });
  return {
    server, dir, power, hostname, url: server.url, req,
    login: async (user) => {
      const r = await req('POST', '/redfish/v1/SessionService/Sessions', { body: { UserName: user, Password: PASSWORDS[user] } });
      if (r.status !== 201) throw new Error(`login ${user}: ${r.status} ${r.text}`);
      return { token: String(r.headers['x-auth-token']), location: String(r.headers.location) };
    },
    close: async () => { await server.close(); await cleanup(); },
  };
}
