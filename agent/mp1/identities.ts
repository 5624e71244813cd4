import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppIdentity } from '../../lib/app-identity.js';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { loadOrCreateSecret } from './keys.js';
import { isNotFound } from '../../lib/errors.js';

/** appInstanceIds become file names: a safe alphabet (UUIDs and DNS-ish names fit). */
export const APP_INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface AppRecord {
  appInstanceId: string;
  clientId: string;
  appName?: string;
  appVersion?: string;
  createdAt: string;
  /** Rules the app's descriptor asks for (MEC 010-2 appDNSRule / appTrafficRule), seeded into the registry once. */
  dnsRules?: unknown[];
  trafficRules?: unknown[];
}

/**
 * App instance identities, one file per instance under <mp1 dir>/apps. No
 * client secret is stored anywhere: a secret is HMAC(clients.key, clientId),
 * so ensure() can hand the same secret to an idempotent re-deploy (the
 * container's environment does not change), while a removed and re-added
 * instance gets a new random clientId and thus a new secret. Reading the
 * secrets needs clients.key (0600, root), which is as sensitive as the token
 * signing key beside it.
 */
export class IdentityStore {
  private readonly byInstance = new Map<string, AppRecord>();
  private readonly byClient = new Map<string, AppRecord>();
  /** What each file was when last read (inode, mtime, size): a changed one is read again. */
  private readonly versions = new Map<string, string>();
  private dirVersion = '';
  /** False while the directory's mtime is too recent to tell a later change in the same clock tick apart. */
  private dirSettled = false;
  private checked = -Infinity;

  private constructor(private readonly dir: string, private readonly key: Buffer, private readonly now: () => number = Date.now) {}

  static async open(mp1Dir: string): Promise<IdentityStore> {
    const key = await loadOrCreateSecret(mp1Dir, 'clients.key');
    const s = new IdentityStore(join(mp1Dir, 'apps'), key);
    await mkdir(s.dir, { recursive: true, mode: 0o700 });
    await s.reload();
    return s;
  }

  /**
   * Picks up instances another process (`umec mp1 app add`, with or without --rotate)
   * provisioned, changed or removed: a file whose inode, mtime or size changed is read
   * again and re-indexed, so a rotated clientId replaces the old one.
   */
  async reload(): Promise<void> {
    this.dirVersion = await this.statDir();
    const seen = new Set<string>();
    for (const f of await readdir(this.dir)) {
      const id = f.replace(/\.json$/, '');
      if (!f.endsWith('.json') || !APP_INSTANCE_ID.test(id)) continue;
      const file = join(this.dir, f);
      const st = await stat(file).catch(() => undefined);
      if (!st) continue;
      seen.add(id);
      const version = `${st.ino}:${st.mtimeMs}:${st.ctimeMs}:${st.size}`;
      if (this.byInstance.has(id) && this.versions.get(id) === version) continue;
      try {
        const r = JSON.parse(await readFile(file, 'utf8')) as AppRecord;
        if (r.appInstanceId !== id || typeof r.clientId !== 'string') throw new Error('not an identity of this name');
        this.unindex(id);
        this.index(r);
        this.versions.set(id, version);
      } catch {
        // a torn file cannot exist (atomic writes); an edited or foreign one leaves the instance without credentials
        this.unindex(id);
      }
    }
    for (const id of [...this.byInstance.keys()]) if (!seen.has(id)) this.unindex(id);
  }

  /** reload() when the directory changed (a file made, replaced or removed), looking at most once a second. */
  async refresh(): Promise<void> {
    const t = this.now();
    if (t - this.checked < 1000) return;
    this.checked = t;
    if (!this.dirSettled || (await this.statDir()) !== this.dirVersion) await this.reload();
  }

  private async statDir(): Promise<string> {
    const st = await stat(this.dir);
    // file times come from a coarse clock: two changes a few ms apart can leave the same mtime
    this.dirSettled = Date.now() - st.mtimeMs > 2000;
    return `${st.ino}:${st.mtimeMs}`;
  }

  private index(r: AppRecord): void {
    this.byInstance.set(r.appInstanceId, r);
    this.byClient.set(r.clientId, r);
  }

  private unindex(id: string): void {
    const r = this.byInstance.get(id);
    this.versions.delete(id);
    if (!r) return;
    this.byInstance.delete(id);
    this.byClient.delete(r.clientId);
  }

  secretOf(clientId: string): string {
    return createHmac('sha256', this.key).update(`mp1-client-secret\0${clientId}`).digest('base64url');
  }

  get(appInstanceId: string): AppRecord | undefined { return this.byInstance.get(appInstanceId); }
  all(): AppRecord[] { return [...this.byInstance.values()]; }

  identity(r: AppRecord): AppIdentity {
    return { appInstanceId: r.appInstanceId, clientId: r.clientId, clientSecret: this.secretOf(r.clientId) };
  }

  /** The instance's identity, created (on disk before it is returned) when new. */
  async ensure(appInstanceId: string, meta: Partial<Pick<AppRecord, 'appName' | 'appVersion' | 'dnsRules' | 'trafficRules'>> = {}): Promise<{ identity: AppIdentity; created: boolean }> {
    if (!APP_INSTANCE_ID.test(appInstanceId)) throw new Error(`bad appInstanceId ${JSON.stringify(appInstanceId)}: use letters, digits, . _ - (at most 128)`);
    const cur = this.byInstance.get(appInstanceId);
    if (cur) return { identity: this.identity(cur), created: false };
    const r: AppRecord = { appInstanceId, clientId: randomUUID(), createdAt: new Date().toISOString() };
    for (const k of ['appName', 'appVersion', 'dnsRules', 'trafficRules'] as const) if (meta[k] !== undefined) (r as unknown as Record<string, unknown>)[k] = meta[k];
    await writeFileAtomic(join(this.dir, `${appInstanceId}.json`), JSON.stringify(r, null, 2), { mode: 0o600 });
    this.index(r);
    return { identity: this.identity(r), created: true };
  }

  /** Issues a new clientId (and so a new secret); the old credentials stop working. */
  async rotate(appInstanceId: string): Promise<AppIdentity> {
    const cur = this.byInstance.get(appInstanceId);
    if (!cur) throw new Error(`no app instance ${appInstanceId}`);
    const r = { ...cur, clientId: randomUUID() };
    await writeFileAtomic(join(this.dir, `${appInstanceId}.json`), JSON.stringify(r, null, 2), { mode: 0o600 });
    this.unindex(appInstanceId);
    this.index(r);
    return this.identity(r);
  }

  async remove(appInstanceId: string): Promise<boolean> {
    if (!this.byInstance.has(appInstanceId)) return false;
    await unlink(join(this.dir, `${appInstanceId}.json`)).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
    this.unindex(appInstanceId);
    return true;
  }

  /** The app instance these credentials belong to, or undefined. Constant-time on the secret. */
  authenticate(clientId: string, clientSecret: string): AppRecord | undefined {
    const r = this.byClient.get(clientId);
    const want = Buffer.from(this.secretOf(clientId));
    const got = Buffer.from(clientSecret);
    const ok = got.length === want.length && timingSafeEqual(got, want);
    return r && ok ? r : undefined;
  }
}
